// Stacked table cells without their column's label, as "selector "text": problem" lines, for tests/browser/test_reflow.py
// and test_tables.py. A table is stacked when its header row is out of sight (one card per row, below 40rem): then
// every cell with a value must show its column's label, as generated content before the value
// (templates/components/table.html). A column whose header is for screen readers only (a column of buttons that
// name themselves) needs none. Tables hidden on purpose are left out.
() => {
  const problems = [];
  const text = (node) => (node.textContent || '').trim().replace(/\s+/g, ' ');
  const visible = (element) => {
    for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
      const s = getComputedStyle(node);
      if (s.display === 'none' || s.visibility === 'hidden') return false;
    }
    return element.getClientRects().length > 0;
  };
  // The visible text of a header: without the parts that are visually hidden (clipped to nothing).
  const visibleText = (header) => {
    const clone = header.cloneNode(true);
    const hidden = [...header.querySelectorAll('*')].filter((node) => getComputedStyle(node).clip === 'rect(0px, 0px, 0px, 0px)');
    const clones = [...clone.querySelectorAll('*')];
    const all = [...header.querySelectorAll('*')];
    for (const node of hidden) clones[all.indexOf(node)].remove();
    return text(clone);
  };
  // The string a ::before shows: the first CSS string of its computed `content` ("Label" / "" gives Label).
  const generated = (cell) => {
    const before = getComputedStyle(cell, '::before');
    if (before.display === 'none' || before.visibility === 'hidden' || parseFloat(before.fontSize) === 0) return '';
    const match = /^"((?:[^"\\]|\\.)*)"/.exec(before.content);
    return match ? match[1].replace(/\\(.)/g, '$1').trim() : '';
  };
  const describe = (table, cell) => {
    const id = table.id ? '#' + table.id : 'table' + [...table.classList].map((name) => '.' + name).join('');
    const row = cell.parentElement;
    return `${id} > ${row.parentElement.localName} > tr:nth-of-type(${[...row.parentElement.children].indexOf(row) + 1}) > ${cell.localName}:nth-of-type(${[...row.children].indexOf(cell) + 1})`;
  };
  for (const table of document.querySelectorAll('table')) {
    const headerRow = table.tHead && table.tHead.rows[0];
    if (!visible(table) || !headerRow) continue;
    const head = table.tHead.getBoundingClientRect();
    const outOfSight = !visible(table.tHead) || head.width <= 1 || head.height <= 1 || getComputedStyle(table.tHead).clip === 'rect(0px, 0px, 0px, 0px)';
    if (!outOfSight) continue;
    // Header cells by column position, spans counted.
    const headers = [];
    for (const header of headerRow.cells) for (let i = 0; i < header.colSpan; i++) headers.push(header);
    for (const body of [...table.tBodies, table.tFoot].filter(Boolean)) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          const header = headers[column];
          column += cell.colSpan;
          if (cell.localName !== 'td' || !visible(cell)) continue;
          const hasValue = text(cell) || cell.querySelector('input:not([type=hidden]), select, textarea, img, svg');
          if (!hasValue || !header) continue;
          const label = text(header);
          if (!label) continue;
          if (!visibleText(header) && cell.querySelector('button, a')) continue;  // self-naming controls
          const shown = generated(cell);
          if (!shown) problems.push(`${describe(table, cell)} ${JSON.stringify(text(cell).slice(0, 60))}: stacked without its column's label (${JSON.stringify(label)})`);
          else if (shown !== label) problems.push(`${describe(table, cell)} ${JSON.stringify(text(cell).slice(0, 60))}: labelled ${JSON.stringify(shown)}, but its column is ${JSON.stringify(label)}`);
        }
      }
    }
  }
  return problems;
}
