// The batch page's live progress bar: asks the page for the batch's figures every second and a half
// until the batch is finished, then reloads the page to show the failures and the ZIP.
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box || box.dataset.finished === "true") return;
  var url = box.dataset.statusUrl;
  function show(s) {
    var bar = document.getElementById("job-bar");
    bar.max = s.total;
    bar.value = s.done + s.failed;
    bar.textContent = (s.done + s.failed) + " / " + s.total;
    document.getElementById("job-done").textContent = s.done;
    document.getElementById("job-total").textContent = s.total;
    document.getElementById("job-failed").textContent = s.failed;
  }
  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { window.setTimeout(poll, 3000); return; }
        show(s);
        if (s.state === "finished") { window.location.reload(); return; }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 800);
})();
