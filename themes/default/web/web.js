/* The web edition's only script. Everything here is an enhancement: with
 * JavaScript off every page reads, links and navigates the same (footnotes
 * are endnotes of the page, the contents are open), except search. */
(function () {
  "use strict";

  // The root page: go to the edition in the browser's language, unless the
  // reader came from the site itself (they chose to see the list).
  function chooseLanguage() {
    var list = document.querySelector(".language-chooser [data-languages]");
    if (!list) return;
    if (document.referrer && new URL(document.referrer).origin === location.origin) return;
    var codes = list.getAttribute("data-languages").split(" ");
    var wanted = navigator.languages || [navigator.language || ""];
    for (var i = 0; i < wanted.length; i++) {
      var w = wanted[i].toLowerCase();
      for (var j = 0; j < codes.length; j++) {
        var c = codes[j].toLowerCase();
        if (w === c || w.split("-")[0] === c.split("-")[0]) {
          location.replace(codes[j] + "/index.html");
          return;
        }
      }
    }
  }

  // On a phone the contents start closed (a tap on "Contents" opens them).
  function collapseContents() {
    var details = document.querySelector(".toc-details");
    if (details && window.matchMedia("(max-width: 60em)").matches) details.open = false;
  }

  // Footnotes open in place: the link still leads to the endnote (and back)
  // for keyboard and screen reader users; a click shows the note beside it.
  function notePopups() {
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a.noteref");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
      var note = document.getElementById(link.getAttribute("href").slice(1));
      if (!note) return;
      event.preventDefault();
      var wrap = link.parentNode;
      var open = wrap.nextElementSibling;
      if (open && open.classList.contains("note-popup")) { open.remove(); return; }
      var popup = document.createElement("span");
      popup.className = "note-popup";
      popup.setAttribute("role", "note");
      var text = note.querySelector(".note-text");
      popup.innerHTML = text ? text.innerHTML : note.textContent;
      wrap.parentNode.insertBefore(popup, wrap.nextSibling);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") document.querySelectorAll(".note-popup").forEach(function (p) { p.remove(); });
    });
  }

  // Search results lead here with ?highlight=words: mark them in the text.
  function highlight() {
    var words = new URLSearchParams(location.search).get("highlight");
    var root = document.querySelector("main article");
    if (!words || !root) return;
    var terms = words.split(/\s+/).filter(function (t) { return t.length > 1; })
      .map(function (t) { return t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
    if (!terms.length) return;
    var pattern = new RegExp("(" + terms.join("|") + ")", "giu");
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    var first = null;
    nodes.forEach(function (node) {
      if (!pattern.test(node.nodeValue)) return;
      pattern.lastIndex = 0;
      var frag = document.createDocumentFragment();
      node.nodeValue.split(pattern).forEach(function (piece, k) {
        if (k % 2 === 1) {
          var mark = document.createElement("mark");
          mark.textContent = piece;
          frag.appendChild(mark);
          first = first || mark;
        } else if (piece) {
          frag.appendChild(document.createTextNode(piece));
        }
      });
      node.parentNode.replaceChild(frag, node);
    });
    if (first) first.scrollIntoView({ block: "center" });
  }

  // The search page: Pagefind's index of this language, in the site.
  function search() {
    var results = document.getElementById("search-results");
    if (!results) return;
    document.querySelectorAll(".needs-js").forEach(function (p) { p.hidden = true; });
    var query = (new URLSearchParams(location.search).get("q") || "").trim();
    var input = document.getElementById("search-q");
    if (input) input.value = query;
    var status = document.getElementById("search-status");
    if (!query) return;
    import(new URL("pagefind/pagefind.js", location.href).href).then(function (pagefind) {
      return pagefind.search(query);
    }).then(function (found) {
      return Promise.all(found.results.slice(0, 20).map(function (r) { return r.data(); }));
    }).then(function (items) {
      results.textContent = "";
      if (!items.length) {
        status.textContent = document.getElementById("search-none").innerHTML;
        return;
      }
      status.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        var url = new URL(item.url.replace(/^\//, ""), location.href);
        url.searchParams.set("highlight", query);
        a.href = url.pathname.split("/").pop() + url.search + url.hash;
        a.textContent = (item.meta && item.meta.title) || item.url;
        var excerpt = document.createElement("p");
        excerpt.innerHTML = item.excerpt;  // Pagefind's excerpt: escaped text with <mark>
        li.appendChild(a);
        li.appendChild(excerpt);
        results.appendChild(li);
      });
    }).catch(function (error) {
      status.textContent = String(error);
    });
  }

  function ready() {
    chooseLanguage();
    collapseContents();
    notePopups();
    highlight();
    search();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
