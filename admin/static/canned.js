/* くらしの相談LINE — the "/" shortcut for canned replies in the reply box.
 * Typing "/" at the start of the box or after a space opens the list of canned replies
 * (shared and one's own, rendered by the page in #canned-popup); the letters after it
 * filter by shortcut and title; ↑/↓ choose, Enter or Tab (or a click) put the reply's text
 * in place of "/word", Esc closes. No inline script: the CSP stays script-src 'self'.
 */
(function () {
  "use strict";

  function setup() {
    var box = document.querySelector("#reply-form textarea[name=text]");
    var popup = document.getElementById("canned-popup");
    if (!box || !popup) return;
    var items = Array.prototype.slice.call(popup.querySelectorAll(".canned-item"));
    var shown = [];
    var active = -1;

    // The "/word" just before the caret, or null.
    function token() {
      var caret = box.selectionStart;
      var before = box.value.slice(0, caret);
      var match = /(^|\s)\/([^\s\/]*)$/.exec(before);
      if (!match) return null;
      return { start: caret - match[2].length - 1, end: caret, word: match[2].toLowerCase() };
    }

    function close() {
      popup.hidden = true;
      active = -1;
      shown = [];
    }

    function highlight(index) {
      shown.forEach(function (item, i) { item.classList.toggle("active", i === index); });
      active = index;
      if (shown[index]) shown[index].scrollIntoView({ block: "nearest" });
    }

    function update() {
      var found = token();
      if (!found) { close(); return; }
      shown = [];
      items.forEach(function (item) {
        var match = item.getAttribute("data-keys").indexOf(found.word) >= 0;
        item.hidden = !match;
        if (match) shown.push(item);
      });
      if (!shown.length) { close(); return; }
      popup.hidden = false;
      highlight(0);
    }

    function insert(item) {
      var found = token();
      if (!found || !item) { close(); return; }
      var text = item.getAttribute("data-text");
      box.value = box.value.slice(0, found.start) + text + box.value.slice(found.end);
      var caret = found.start + text.length;
      box.setSelectionRange(caret, caret);
      close();
      box.focus();
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }

    box.addEventListener("input", update);
    box.addEventListener("click", update);
    box.addEventListener("blur", function () { setTimeout(close, 150); });
    box.addEventListener("keydown", function (event) {
      if (popup.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight((active + step + shown.length) % shown.length);
        event.preventDefault();
      } else if (event.key === "Enter" || event.key === "Tab") {
        insert(shown[active]);
        event.preventDefault();
      } else if (event.key === "Escape") {
        close();
        event.preventDefault();
        event.stopPropagation();
      }
    });
    items.forEach(function (item) {
      // mousedown: before the box loses focus (and the list closes)
      item.addEventListener("mousedown", function (event) {
        event.preventDefault();
        insert(item);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
