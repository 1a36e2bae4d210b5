/* The scoring page: drafts saved automatically (the page's own form, its CSRF token and the version
   it was read at), Enter moves to the next indicator, Ctrl+S (or Cmd+S) saves at once. A stale
   version (412) or a review that can no longer change (409) is reported, autosave stops, and nothing
   of the reviewer's input is touched. The page works without this script: the form posts as it is. */
(function () {
  "use strict";
  var form = document.getElementById("review-form");
  if (!form) { return; }
  var url = form.getAttribute("data-autosave");
  var status = document.getElementById("autosave-status");
  var progress = document.getElementById("progress");
  var version = form.querySelector("input[name=version]");
  var token = form.querySelector("input[name=csrf_token]");
  var scores = Array.prototype.slice.call(form.querySelectorAll("input.score"));
  var submitted = form.getAttribute("data-submitted") === "1";
  var timer = null, dirty = false, busy = false, stopped = false;

  function say(text, kind) {
    status.textContent = text;
    status.className = "autosave" + (kind ? " " + kind : "");
  }

  function save() {
    if (!url || stopped || busy || !dirty) { return; }
    if (submitted) { say(form.getAttribute("data-submitted-note")); return; }
    busy = true;
    dirty = false;
    say(form.getAttribute("data-saving"));
    var body = new URLSearchParams(new FormData(form));
    fetch(url, {method: "POST", body: body, credentials: "same-origin",
                headers: {"X-CSRFToken": token ? token.value : "", "Accept": "application/json"}})
      .then(function (res) {
        return res.json().then(function (data) { return {ok: res.ok, code: res.status, data: data}; });
      })
      .then(function (r) {
        busy = false;
        if (r.ok) {
          version.value = String(r.data.version);
          if (progress) { progress.textContent = r.data.scored + " / " + r.data.total; }
          say(form.getAttribute("data-saved"), "ok");
        } else {
          if (r.code === 412 || r.code === 409 || r.code === 403 || r.code === 400) { stopped = true; }
          say(r.data.message || form.getAttribute("data-failed"), "error");
        }
        if (dirty && !stopped) { later(); }
      })
      .catch(function () {
        busy = false;
        dirty = true;
        say(form.getAttribute("data-failed"), "error");
      });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 1200);
  }

  function changed() { dirty = true; later(); }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  scores.forEach(function (input, i) {
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.shiftKey || event.ctrlKey || event.altKey || event.metaKey) { return; }
      event.preventDefault();
      var next = scores[i + 1] || document.getElementById("f-overall-comment");
      if (next) { next.focus(); if (next.select) { next.select(); } }
    });
  });

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && (event.key === "s" || event.key === "S")) {
      event.preventDefault();
      window.clearTimeout(timer);
      dirty = true;
      save();
    }
  });
})();
