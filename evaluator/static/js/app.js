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
  // After a refused form, the list of problems takes the focus, so it is read out first.
  var problems = document.getElementById("form-problems");
  if (problems) {
    problems.focus();
  }
});
