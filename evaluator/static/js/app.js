// Small enhancements of the pages; every page works without them.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // A button with data-confirm asks before its form is sent. With data-confirm-box (the id of the
  // confirmation checkbox the server requires, for readers without scripts) the answer ticks the
  // box, and a box ticked already counts as the answer.
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      var id = button.getAttribute("data-confirm-box");
      var box = id ? document.getElementById(id) : null;
      if (box && box.checked) {
        return;
      }
      if (!window.confirm(button.getAttribute("data-confirm"))) {
        event.preventDefault();
      } else if (box) {
        box.checked = true;
      }
    });
  });
  // A table wider than its box scrolls inside it: the box can then be reached with the keyboard
  // (and scrolled with the arrow keys) and is named by the table's caption or its section's heading.
  var boxes = document.querySelectorAll(".table-wrap");
  var named = function (box) {
    var caption = box.querySelector("caption");
    var section = box.closest("section");
    var heading = section && section.querySelector("h2, h3");
    var title = document.querySelector("main h1");
    var source = caption || heading || title;
    return source ? source.textContent.replace(/\s+/g, " ").trim() : "";
  };
  var measure = function () {
    boxes.forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", named(box));
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  };
  measure();
  window.addEventListener("resize", measure);
  // A running total (the self-assessment): the scores typed into the fields marked adds-to-total,
  // each counted when it lies within its bounds, added to what the server calculated (data-base);
  // the bonus items ticked (data-points), up to their cap. The server shows the same total without
  // this script.
  var totals = document.querySelector("[data-total]");
  if (totals && totals.closest("form")) {
    var sumForm = totals.closest("form");
    var outputs = {
      total: document.getElementById("total-points"),
      own: document.getElementById("own-points"),
      bonus: document.getElementById("bonus-points")
    };
    var lang = document.documentElement.lang || undefined;
    var show = function (el, value) {
      if (el) { el.textContent = (Math.round(value * 100) / 100).toLocaleString(lang, {maximumFractionDigits: 2}); }
    };
    var recount = function () {
      var own = 0, bonus = 0;
      sumForm.querySelectorAll(".adds-to-total input").forEach(function (input) {
        var value = parseFloat(input.value), max = parseFloat(input.max);
        if (isFinite(value) && value >= 0 && !(value > max)) { own += value; }
      });
      sumForm.querySelectorAll("input[data-points]:checked").forEach(function (box) {
        bonus += parseFloat(box.getAttribute("data-points")) || 0;
      });
      var base = parseFloat(outputs.total ? outputs.total.getAttribute("data-base") : "0") || 0;
      var cap = parseFloat(outputs.bonus ? outputs.bonus.getAttribute("data-cap") : "");
      show(outputs.own, own);
      show(outputs.total, base + own);
      show(outputs.bonus, isFinite(cap) ? Math.min(bonus, cap) : bonus);
    };
    sumForm.addEventListener("input", recount);
    sumForm.addEventListener("change", recount);
  }
  // After a refused form, the list of problems takes the focus, so it is read out first; a form
  // marked data-focus-invalid gives it to its first refused field instead (its message is tied
  // to it and read out with it).
  var problems = document.getElementById("form-problems");
  if (problems) {
    var first = document.querySelector("form[data-focus-invalid] [aria-invalid=true]");
    (first || problems).focus();
  }
});
