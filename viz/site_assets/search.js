/* Search page: the prebuilt index filtered in the page.  search-LANG.js (loaded with the page)
   sets window.CDKG_SEARCH, the entities; the excerpts' words come after the
   first results are shown, from search-LANG-evidence.js, which calls window.cdkgSearchMore.
   Every word of the query must occur, accents and case ignored; labels rank above evidence. */
(function () {
  "use strict";
  var T = window.cdkgText, fold = window.cdkgFold, el = window.cdkgEl;
  var items = window.CDKG_SEARCH || [];
  var box = document.getElementById("q"), list = document.getElementById("search-results");
  var count = document.getElementById("search-count");
  function rank(item, q, words) {
    var label = item[4];
    if (!label) { return 10; }  // evidence
    if (label === q) { return 100; }
    if (label.indexOf(q) === 0) { return 80; }
    var tokens = " " + label.replace(/[^\w]+/g, " ") + " ";
    if (words.every(function (w) { return tokens.indexOf(" " + w + " ") >= 0; })) { return 60; }
    return 40;
  }
  function run() {
    var q = fold(box.value), words = q.split(" ").filter(Boolean);
    list.textContent = "";
    if (!words.length) { count.textContent = ""; return; }
    var hits = [];
    items.forEach(function (item) {
      var text = item[3];
      for (var i = 0; i < words.length; i++) { if (text.indexOf(words[i]) < 0) { return; } }
      hits.push([rank(item, q, words), item]);
    });
    hits.sort(function (a, b) { return b[0] - a[0] || a[1][1].length - b[1][1].length; });
    count.textContent = hits.length ? hits.length + " " + T.results : T.noResults;
    hits.slice(0, 200).forEach(function (h) {
      var li = el("li"), a = el("a", h[1][1]);
      a.href = h[1][0];
      li.appendChild(a);
      li.appendChild(el("span", h[1][2], "kind"));
      list.appendChild(li);
    });
  }
  var q = new URLSearchParams(window.location.search).get("q");
  if (q) { box.value = q; }
  box.addEventListener("input", run);
  document.getElementById("search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var first = list.querySelector("a");
    if (first) { window.location.href = first.href; }
  });
  run();
  window.cdkgSearchMore = function (more) {
    items = items.concat(more);
    run();
    window.cdkgSearchReady = true;
    document.body.setAttribute("data-search-ready", "1");
  };
  var own = document.querySelector('script[src$="search-' + document.documentElement.lang + '.js"]');
  var next = document.createElement("script");
  next.src = own.getAttribute("src").replace(/\.js$/, "-evidence.js");
  document.body.appendChild(next);
})();
