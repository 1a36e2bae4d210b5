/* The scoring page: drafts saved automatically (the page's own form, its CSRF token and the version
   it was read at), Enter moves to the next indicator, Ctrl+S (or Cmd+S) saves at once. A stale
   version (412) or a review that can no longer change (409) is reported, autosave stops, and nothing
   of the reviewer's input is touched. A draft is saved entry by entry: an entry the server did not
   save (a score above the indicator's points, say) is marked where it is typed — aria-invalid and
   the server's message beside it — and the status line names what was not saved; the mark goes
   once a save takes the entry. The page works without this script: the form posts as it is. */
(function () {
  "use strict";
  // On a phone the application's figures start folded: the scores come first, the figures a tap away.
  if (window.matchMedia && window.matchMedia("(max-width: 600px)").matches) {
    Array.prototype.forEach.call(document.querySelectorAll("details[data-fold-on-phone]"), function (d) {
      d.open = false;
    });
  }
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
  var marked = {}, touched = {};  // field names: marked by this script; changed since the last save

  function say(text, kind) {
    status.textContent = text;
    status.className = "autosave" + (kind ? " " + kind : "");
  }

  function control(name) {
    var found = form.elements.namedItem(name);
    return found && found.setAttribute ? found : null;
  }

  function describedBy(el, id, on) {
    var ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) {
      return x && x !== id;
    });
    if (on) { ids.push(id); }
    if (ids.length) { el.setAttribute("aria-describedby", ids.join(" ")); } else { el.removeAttribute("aria-describedby"); }
  }

  function mark(name, messages) {
    var el = control(name);
    if (!el) { return; }
    var id = name.replace(/\./g, "-") + "-errors";
    var list = document.getElementById(id);
    if (!list) {
      list = document.createElement("ul");
      list.className = "field-errors";
      list.id = id;
      el.insertAdjacentElement("afterend", list);
    }
    list.textContent = "";
    [].concat(messages).forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    el.setAttribute("aria-invalid", "true");
    describedBy(el, id, true);
    var field = el.closest(".field");
    if (field) { field.classList.add("invalid"); }
    marked[name] = true;
  }

  function unmark(name) {
    var el = control(name);
    delete marked[name];
    if (!el) { return; }
    var id = name.replace(/\./g, "-") + "-errors";
    var list = document.getElementById(id);
    if (list) { list.parentNode.removeChild(list); }
    el.removeAttribute("aria-invalid");
    describedBy(el, id, false);
    var field = el.closest(".field");
    if (field && !field.querySelector("[aria-invalid=true]")) { field.classList.remove("invalid"); }
  }

  // The marks after an answer: each entry named is marked; an entry marked before, or changed for
  // this save, and not named now was saved, and its mark goes.
  function marks(named, changed) {
    Object.keys(marked).concat(Object.keys(changed)).forEach(function (name) {
      if (!Object.prototype.hasOwnProperty.call(named, name)) { unmark(name); }
    });
    Object.keys(named).forEach(function (name) { mark(name, named[name]); });
  }

  function save() {
    if (!url || stopped || busy || !dirty) { return; }
    if (submitted) { say(form.getAttribute("data-submitted-note")); return; }
    busy = true;
    dirty = false;
    var changed = touched;
    touched = {};
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
          var named = r.data.not_saved || {};
          marks(named, changed);
          if (Object.keys(named).length) {
            say(r.data.message, "warning");
          } else {
            say(form.getAttribute("data-saved"), "ok");
          }
        } else {
          if (r.code === 412 || r.code === 409 || r.code === 403 || r.code === 400) { stopped = true; }
          if (r.code === 422 && r.data.errors) { marks(r.data.errors, {}); }
          Object.keys(changed).forEach(function (name) { touched[name] = true; });
          say(r.data.message || form.getAttribute("data-failed"), "error");
        }
        if (dirty && !stopped) { later(); }
      })
      .catch(function () {
        busy = false;
        dirty = true;
        Object.keys(changed).forEach(function (name) { touched[name] = true; });
        say(form.getAttribute("data-failed"), "error");
      });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 1200);
  }

  function edited(event) {
    var name = event.target && event.target.name;
    if (name) {
      touched[name] = true;
      if (name.indexOf("veto.") === 0) { touched["veto_reason." + name.slice(5)] = true; }
    }
    dirty = true;
    later();
  }
  form.addEventListener("input", edited);
  form.addEventListener("change", edited);

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
