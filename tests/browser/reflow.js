// What does not reflow (WCAG 2.1 1.4.10), as a list of "selector "text": problem" lines, for tests/browser/test_reflow.py:
// the page scrolls sideways; visible text, a control or an image lies outside the viewport; text is cut off by a box
// with overflow hidden; or a box that scrolls is not a labelled, focusable region (so a keyboard could not scroll it).
// Text hidden on purpose (display none, the visually-hidden pattern) is left out.
() => {
  const root = document.documentElement;
  const viewport = root.clientWidth;
  const problems = [];
  const reported = new Set();
  const selectorOf = (element) => {
    const parts = [];
    for (let node = element; node && node.nodeType === 1 && node !== document.body; node = node.parentElement) {
      if (node.id) { parts.unshift('#' + CSS.escape(node.id)); break; }
      let part = node.localName;
      const classes = [...node.classList].filter((name) => !name.startsWith('htmx-'));
      if (classes.length) part += '.' + classes.map((name) => CSS.escape(name)).join('.');
      const siblings = node.parentElement ? [...node.parentElement.children].filter((c) => c.localName === node.localName) : [];
      if (siblings.length > 1) part += `:nth-of-type(${siblings.indexOf(node) + 1})`;
      parts.unshift(part);
    }
    return parts.join(' > ') || 'body';
  };
  const report = (element, text, problem) => {
    const key = selectorOf(element) + problem;
    if (reported.has(key)) return;
    reported.add(key);
    problems.push(`${selectorOf(element)} ${JSON.stringify(text.trim().replace(/\s+/g, ' ').slice(0, 60))}: ${problem}`);
  };
  const style = (element) => getComputedStyle(element);
  // Deliberately hidden: not rendered, or the visually-hidden pattern (clipped to nothing, for screen readers).
  const hiddenOnPurpose = (element) => {
    for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
      const s = style(node);
      if (s.display === 'none' || s.visibility === 'hidden' || s.visibility === 'collapse') return true;
      if (s.clip === 'rect(0px, 0px, 0px, 0px)' || s.clipPath === 'inset(50%)') return true;
    }
    return false;
  };
  // The boxes that clip what is inside `start`, innermost first, up to the page.
  const clippers = (start) => {
    const boxes = [];
    for (let node = start; node && node !== root && node !== document.body; node = node.parentElement) {
      const s = style(node);
      if (s.overflowX !== 'visible' || s.overflowY !== 'visible') boxes.push([node, s]);
    }
    return boxes;
  };
  const inner = (node) => {
    const box = node.getBoundingClientRect();
    const left = box.left + node.clientLeft;
    const top = box.top + node.clientTop;
    return { left, top, right: left + node.clientWidth, bottom: top + node.clientHeight };
  };
  const outside = (rect, box) => rect.left < box.left - 1 || rect.right > box.right + 1 || rect.top < box.top - 1 || rect.bottom > box.bottom + 1;
  const check = (element, rects, text, start) => {
    for (const rect of rects) {
      if (rect.width === 0 && rect.height === 0) continue;
      let reach = rect;  // what must fit the viewport: the text itself, or the region it scrolls in
      for (const [box, s] of clippers(start)) {
        const scrolls = ['auto', 'scroll'].includes(s.overflowX) || ['auto', 'scroll'].includes(s.overflowY);
        if (!outside(rect, inner(box))) continue;
        if (scrolls) { reach = box.getBoundingClientRect(); break; }
        report(element, text, `cut off by ${selectorOf(box)} (overflow ${s.overflowX} ${s.overflowY})`);
        return;
      }
      if (reach.right > viewport + 1 || reach.left < -1) {
        report(element, text, `outside the ${viewport} px viewport (from ${Math.round(reach.left)} to ${Math.round(reach.right)} px)`);
        return;
      }
    }
  };
  if (root.scrollWidth > root.clientWidth + 1) {
    problems.push(`html: the page scrolls sideways (${root.scrollWidth} px wide in a ${root.clientWidth} px viewport)`);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.data.trim() || !parent || ['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT', 'OPTION'].includes(parent.tagName)) continue;
    if (hiddenOnPurpose(parent)) continue;
    range.selectNodeContents(node);
    check(parent, range.getClientRects(), node.data, parent);
  }
  for (const element of document.body.querySelectorAll('input:not([type=hidden]), select, textarea, img, svg, video')) {
    if (hiddenOnPurpose(element)) continue;
    check(element, [element.getBoundingClientRect()], element.getAttribute('aria-label') || element.getAttribute('alt') || element.getAttribute('name') || element.localName, element.parentElement);
  }
  for (const box of document.body.querySelectorAll('*')) {
    const s = style(box);
    const scrolls = ['auto', 'scroll'].includes(s.overflowX) || ['auto', 'scroll'].includes(s.overflowY);
    if (!scrolls || hiddenOnPurpose(box)) continue;
    if (box.scrollWidth <= box.clientWidth + 1 && box.scrollHeight <= box.clientHeight + 1) continue;
    const named = box.getAttribute('aria-label') || box.getAttribute('aria-labelledby');
    if (box.tabIndex < 0 || box.getAttribute('role') !== 'region' || !named) {
      report(box, '', 'scrolls but is not a focusable region with a label (tabindex="0", role="region", aria-labelledby)');
    }
  }
  return problems;
}
