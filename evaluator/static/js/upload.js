// The upload form with a progress bar: sent with XMLHttpRequest, the server answers in JSON with the
// page to go to (or the refusal's message). Without this script the form posts normally.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var box = form.querySelector(".upload-progress");
    var bar = form.querySelector("progress");
    var message = form.querySelector(".upload-message");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) {
        return;  // an old browser: the normal post
      }
      event.preventDefault();
      var data = new FormData(form);
      var token = form.querySelector("input[name=csrf_token]");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      if (token) {
        xhr.setRequestHeader("X-CSRFToken", token.value);
      }
      if (box) { box.hidden = false; }
      if (bar) { bar.value = 0; bar.textContent = "0%"; }
      if (message) { message.textContent = ""; }
      if (button) { button.disabled = true; }
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable && bar) {
          var percent = Math.round(100 * e.loaded / e.total);
          bar.value = percent;
          bar.textContent = percent + "%";
        }
      };
      function fail(text) {
        if (button) { button.disabled = false; }
        if (box) { box.hidden = true; }
        if (message) { message.textContent = text; }
      }
      xhr.onload = function () {
        var answer = null;
        try { answer = JSON.parse(xhr.responseText); } catch (ignored) { answer = null; }
        if (xhr.status < 300 && answer && answer.location) {
          window.location.assign(answer.location);
          return;
        }
        if (answer && (answer.message || answer.errors)) {
          // The refusal's own sentence (unless it only points to the fields), then each field's
          // message that says something more; nothing is said twice.
          var pointer = form.getAttribute("data-see-fields");
          var parts = answer.message && answer.message !== pointer ? [answer.message] : [];
          Object.keys(answer.errors || {}).forEach(function (key) {
            [].concat(answer.errors[key]).forEach(function (said) {
              if (said && parts.every(function (p) { return p.indexOf(said) === -1; })) { parts.push(said); }
            });
          });
          fail(parts.join(" ") || answer.message);
        } else {
          // An answer this script cannot read: say so, never send the file a second time.
          fail((form.getAttribute("data-network-error") || "") + " (HTTP " + xhr.status + ")");
        }
      };
      xhr.onerror = function () {
        fail(form.getAttribute("data-network-error") || "");
      };
      xhr.send(data);
    });
  });
});
