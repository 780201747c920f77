/* くらしの相談LINE — live updates of the staff pages (server-sent events, GET /admin/events).
 * - the queue: fetched again as soon as the server says it changed (admin.js draws it)
 * - the case page: the conversation is drawn again when a message comes in; it counts as
 *   read only while the page is in front of the staff member
 * - every page: a notice when a resident writes on a case assigned to you
 * The stream carries only ids, case codes and counts; nothing from it is used as HTML.
 */
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch) return;

  var messages = null;          // the case page's conversation (ol#messages)
  var notice = null;
  var baseTitle = document.title;
  var unseen = false;           // the case page got messages while hidden

  function caseId() {
    return messages ? messages.getAttribute("data-case-id") : null;
  }

  function showNotice(data) {
    if (String(data.case_id) === caseId()) return;     // already on that case's page
    if (!notice) {
      notice = document.createElement("div");
      notice.id = "live-notice";
      notice.setAttribute("role", "status");
      var text = document.createElement("span");
      text.className = "text";
      var link = document.createElement("a");
      link.textContent = "開く";
      var close = document.createElement("button");
      close.type = "button";
      close.className = "link";
      close.textContent = "閉じる";
      close.addEventListener("click", function () {
        notice.hidden = true;
        document.title = baseTitle;
      });
      notice.appendChild(text);
      notice.appendChild(document.createTextNode(" "));
      notice.appendChild(link);
      notice.appendChild(close);
      document.body.appendChild(notice);
    }
    notice.querySelector(".text").textContent = String(data.case_code) +
      " に相談者から新しいメッセージがあります（未読 " + Number(data.unread) + "件）";
    notice.querySelector("a").href = "/admin/cases/" + Number(data.case_id);
    notice.hidden = false;
    document.body.setAttribute("data-live-notice", String(data.case_code));
    document.title = "【新着】" + baseTitle;
  }

  function drawConversation() {
    var seen = document.visibilityState === "visible";
    unseen = !seen;
    var shownLast = Number(messages.getAttribute("data-last-message-id")) || 0;
    // X-Background: drawing again is not the staff member's activity (idle timeout)
    fetch("/admin/cases/" + caseId() + "?live=1&seen=" + (seen ? "1" : "0"),
          { credentials: "same-origin", headers: { "Accept": "text/html", "X-Background": "1" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("messages");
        if (!fresh) return;
        var items = Array.prototype.map.call(fresh.children, function (item) {
          var node = document.importNode(item, true);
          if (Number(node.getAttribute("data-message-id")) > shownLast) node.classList.add("live-new");
          return node;
        });
        messages.replaceChildren.apply(messages, items);
        var last = fresh.getAttribute("data-last-message-id");
        messages.setAttribute("data-last-message-id", last);
        document.body.setAttribute("data-live-messages", last);
      })
      .catch(function () { /* the next event tries again */ });
  }

  function caseChanged(data) {
    if (String(data.case_id) !== caseId()) return;
    if (Number(data.last_message_id) > (Number(messages.getAttribute("data-last-message-id")) || 0)) {
      drawConversation();
    }
    if (Number(data.version) !== Number(messages.getAttribute("data-version"))) {
      var changed = document.getElementById("case-changed");
      if (!changed) {
        changed = document.createElement("p");
        changed.id = "case-changed";
        changed.setAttribute("role", "status");
        changed.textContent = "この相談の状態や担当が更新されました。";
        var reload = document.createElement("a");
        reload.href = window.location.pathname;
        reload.textContent = "最新の状態を表示する";
        changed.appendChild(reload);
        var head = document.querySelector(".case-head");
        if (head) head.appendChild(changed);
      }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    messages = document.getElementById("messages");
    var url = "/admin/events" + (caseId() ? "?case=" + encodeURIComponent(caseId()) : "");
    var source = new EventSource(url);
    source.addEventListener("queue", function () {
      document.dispatchEvent(new CustomEvent("yorisoi:queue-changed"));
    });
    source.addEventListener("case", function (event) {
      if (messages) caseChanged(JSON.parse(event.data));
    });
    source.addEventListener("mine", function (event) { showNotice(JSON.parse(event.data)); });
    source.addEventListener("logout", function () {
      source.close();
      window.location.reload();               // the server sends the login page
    });
    source.addEventListener("error", function () {
      // refused (401/403): the login ended; the reload shows the login page
      if (source.readyState === EventSource.CLOSED) window.setTimeout(function () {
        window.location.reload();
      }, 2000);
    });
    source.addEventListener("open", function () { document.body.setAttribute("data-live", "open"); });
    document.addEventListener("visibilitychange", function () {
      if (messages && unseen && document.visibilityState === "visible") drawConversation();
    });
  });
})();
