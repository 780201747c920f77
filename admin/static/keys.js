/* くらしの相談LINE — keyboard shortcuts (none while typing in a field).
 * Queue:     j / k  next / previous row   Enter or o  open it   n  open the first case
 * Case page: t  take the case             r  write a reply         n  next waiting case
 * Anywhere:  ?  show or hide this list    Esc (in the reply box)  leave the box
 */
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" ||
      (target && target.isContentEditable);
  }

  function queueKeys() {
    var queue = document.getElementById("queue");
    if (!queue) return null;
    var selectedId = null;

    function rows() {
      return Array.prototype.slice.call(queue.querySelectorAll("tr[data-case-id]"));
    }

    function mark() {
      rows().forEach(function (row) {
        var on = row.getAttribute("data-case-id") === selectedId;
        row.classList.toggle("selected", on);
        if (on) row.setAttribute("aria-selected", "true"); else row.removeAttribute("aria-selected");
      });
      document.body.setAttribute("data-selected-case", selectedId || "");
    }

    function move(step) {
      var list = rows();
      if (!list.length) return;
      var ids = list.map(function (row) { return row.getAttribute("data-case-id"); });
      var index = ids.indexOf(selectedId);
      index = index < 0 ? (step > 0 ? 0 : list.length - 1)
                        : Math.min(Math.max(index + step, 0), list.length - 1);
      selectedId = ids[index];
      mark();
      list[index].scrollIntoView({ block: "nearest" });
    }

    function open(row) {
      var link = row && row.querySelector("a.case-link");
      if (link) window.location.href = link.getAttribute("href");
    }

    // the queue refreshes itself: keep the selection on the same case
    new MutationObserver(mark).observe(queue, { childList: true });

    return function (key) {
      if (key === "j") { move(1); return true; }
      if (key === "k") { move(-1); return true; }
      if (key === "Enter" || key === "o") {
        open(queue.querySelector("tr.selected"));
        return true;
      }
      if (key === "n") { open(rows()[0]); return true; }
      return false;
    };
  }

  function caseKeys() {
    var reply = document.querySelector("#reply-form textarea[name=text]");
    var takeForm = document.getElementById("take-form");
    var page = document.querySelector("[data-next-case-url]");
    if (!reply && !takeForm && !page) return null;
    if (reply) reply.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !event.defaultPrevented) reply.blur();
    });
    return function (key) {
      if (key === "r" && reply) { reply.focus(); return true; }
      if (key === "t" && takeForm) {
        var button = takeForm.querySelector("button[type=submit]");
        // requestSubmit: the submit event runs, so a data-confirm question is still asked
        if (button && !button.disabled) takeForm.requestSubmit(button);
        return true;
      }
      if (key === "n" && page) {
        window.location.href = page.getAttribute("data-next-case-url");
        return true;
      }
      return false;
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var handlers = [queueKeys(), caseKeys()].filter(function (h) { return h; });
    var help = document.getElementById("shortcut-help");
    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if (typing(event.target)) return;
      if (event.key === "?" && help) {
        help.hidden = !help.hidden;
        event.preventDefault();
        return;
      }
      if (event.key === "Escape" && help && !help.hidden) { help.hidden = true; return; }
      for (var i = 0; i < handlers.length; i++) {
        if (handlers[i](event.key)) { event.preventDefault(); return; }
      }
    });
  });
})();
