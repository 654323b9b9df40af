/* The flag form, one question at a time (progressive enhancement of a form that works as one page without it).
 *
 * Every fieldset.flag-step but the current one is hidden; Back and Next move between them, moving focus to the
 * step's legend so a screen reader says which question it is. The last step shows the form's own submit button.
 * The server validates everything: with an error summary on the page, the guided form starts at the first step
 * with an error, and a link in the summary opens the step its field is on. A "#step" in the address (the check
 * page's "Change") opens that step.
 */
(function () {
  "use strict";

  function start(form) {
    var steps = Array.prototype.slice.call(form.querySelectorAll("fieldset.flag-step"));
    var submit = form.querySelector(".flag-form__submit");
    if (steps.length < 2 || !submit) {
      return;
    }
    var current = 0;
    var progress = document.createElement("p");
    progress.className = "flag-steps__progress";
    progress.setAttribute("aria-live", "polite");
    form.insertBefore(progress, steps[0]);

    var nav = document.createElement("div");
    nav.className = "flag-steps__nav";
    var back = button(form.getAttribute("data-back-label") || "Back", "button button--secondary");
    var next = button(form.getAttribute("data-next-label") || "Next", "button button--primary");
    nav.appendChild(back);
    nav.appendChild(next);
    submit.parentNode.insertBefore(nav, submit);

    function button(label, className) {
      var element = document.createElement("button");
      element.type = "button";
      element.className = className;
      element.textContent = label;
      return element;
    }

    function show(index, focus) {
      current = Math.max(0, Math.min(index, steps.length - 1));
      steps.forEach(function (step, i) {
        step.hidden = i !== current;
      });
      var last = current === steps.length - 1;
      back.hidden = current === 0;
      next.hidden = last;
      submit.hidden = !last;
      var template = form.getAttribute("data-progress") || "{n} / {total}";
      progress.textContent = template.replace("{n}", String(current + 1)).replace("{total}", String(steps.length));
      if (focus) {
        var legend = steps[current].querySelector("legend");
        if (legend) {
          legend.setAttribute("tabindex", "-1");
          legend.focus();
        }
      }
    }

    function stepOf(element) {
      for (var i = 0; i < steps.length; i += 1) {
        if (steps[i] === element || steps[i].contains(element)) {
          return i;
        }
      }
      return -1;
    }

    back.addEventListener("click", function () {
      show(current - 1, true);
    });
    next.addEventListener("click", function () {
      show(current + 1, true);
    });

    // Enter in a text box moves on rather than sending the form (or searching) from the middle of it.
    form.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key === "Enter" && target.tagName === "INPUT" && target.type !== "checkbox" && target.type !== "radio"
          && target.name !== "search" && !submit.contains(target) && current < steps.length - 1) {
        event.preventDefault();
        show(current + 1, true);
      }
    });

    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.addEventListener("click", function (event) {
        var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
        var target = link ? document.getElementById(link.getAttribute("href").slice(1)) : null;
        var index = target ? stepOf(target) : -1;
        if (index >= 0) {
          show(index, false);
        }
      });
    }

    var first = 0;
    var invalid = form.querySelector(".field--error, .field__error");
    var wanted = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
    if (invalid && stepOf(invalid) >= 0) {
      first = stepOf(invalid);
    } else if (wanted && stepOf(wanted) >= 0) {
      first = stepOf(wanted);
    }
    form.classList.add("flag-form--steps");
    show(first, Boolean(wanted) && !invalid);
    if (summary && invalid) {
      summary.focus();
    }
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-flag-steps]"), start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
