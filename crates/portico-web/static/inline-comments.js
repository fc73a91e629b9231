// Inline comments: selecting text in the page body fills the "Comment on a
// text" form (the quote and which occurrence of it) and opens it. Only a
// convenience: the form works the same when the fields are typed by hand,
// and the server checks the quote against the page version.
"use strict";
(function () {
  var body = document.getElementById("page-body");
  var details = document.getElementById("inline-new");
  var quote = document.getElementById("inline-selection");
  var occurrence = document.getElementById("inline-occurrence");
  if (!body || !details || !quote || !occurrence) {
    return;
  }
  // As the server compares: whitespace runs as one space, trimmed.
  function squash(text) {
    return text.replace(/\s+/g, " ").trim();
  }
  function countBefore(haystack, needle, limit) {
    var count = 0;
    var at = haystack.indexOf(needle);
    while (at !== -1 && at < limit) {
      count += 1;
      at = haystack.indexOf(needle, at + needle.length);
    }
    return count;
  }
  function fill() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return;
    }
    var range = selection.getRangeAt(0);
    if (!body.contains(range.startContainer) || !body.contains(range.endContainer)) {
      return;
    }
    var text = squash(selection.toString());
    if (text === "") {
      return;
    }
    var before = document.createRange();
    before.setStart(body, 0);
    before.setEnd(range.startContainer, range.startOffset);
    var prefix = before.toString().replace(/\s+/g, " ").replace(/^ /, "");
    var whole = squash(body.textContent || "");
    // Occurrences that start before the selection, plus the selection itself.
    var index = countBefore(whole, text, prefix.length) + 1;
    quote.value = text;
    occurrence.value = String(index);
    details.open = true;
  }
  body.addEventListener("mouseup", fill);
  body.addEventListener("keyup", fill);
})();
