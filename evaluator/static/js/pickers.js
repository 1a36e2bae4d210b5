// Pickers that depend on a choice: only the picker of the kind chosen is shown (every picker is shown
// without scripts, and the server reads only the one of the kind chosen).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-pickers]").forEach(function (group) {
    var kind = group.querySelector("select[name$='.kind']");
    if (!kind) {
      return;
    }
    function show() {
      group.querySelectorAll("[class*='picker-']").forEach(function (picker) {
        picker.hidden = !picker.classList.contains("picker-" + kind.value);
      });
    }
    kind.addEventListener("change", show);
    show();
  });
});
