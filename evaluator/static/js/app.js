// Small enhancements of the pages; every page works without them.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // A button with data-confirm asks before its form is sent.
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) {
        event.preventDefault();
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
  // After a refused form, the list of problems takes the focus, so it is read out first.
  var problems = document.getElementById("form-problems");
  if (problems) {
    problems.focus();
  }
});
