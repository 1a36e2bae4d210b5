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
  // After a refused form, the list of problems takes the focus, so it is read out first; a form
  // marked data-focus-invalid gives it to its first refused field instead (its message is tied
  // to it and read out with it).
  var problems = document.getElementById("form-problems");
  if (problems) {
    var first = document.querySelector("form[data-focus-invalid] [aria-invalid=true]");
    (first || problems).focus();
  }
});
