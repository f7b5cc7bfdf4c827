/* cdkg site: what every page shares.  No page holds inline script (its CSP forbids it). */
(function () {
  "use strict";
  window.cdkgText = JSON.parse(document.getElementById("cdkg-text").textContent);
  window.cdkgFold = function (s) {
    return s.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/\s+/g, " ").trim().toLowerCase();
  };
  window.cdkgEl = function (tag, text, cls) {
    var el = document.createElement(tag);
    if (text !== undefined && text !== null) { el.textContent = text; }
    if (cls) { el.className = cls; }
    return el;
  };
  // the language switch keeps the page, its query and its place
  var sw = document.querySelector("a.lang-switch");
  if (sw) {
    sw.addEventListener("click", function () {
      sw.href = sw.href.split("?")[0].split("#")[0] + window.location.search + window.location.hash;
    });
  }
  window.cdkgReady = true;
  document.documentElement.setAttribute("data-ready", "site");
})();
