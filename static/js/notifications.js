/* The unread-notification count in the header, fetched once the page has loaded.
   Sent as a background poll (X-Portal-Poll), so it does not keep an idle session alive. */
(function () {
  "use strict";
  var link = document.querySelector("a[data-count-url]");
  if (!link) { return; }
  fetch(link.getAttribute("data-count-url"), {
    credentials: "same-origin",
    headers: { "X-Portal-Poll": "1", "Accept": "application/json" }
  })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) {
      if (!data || !data.unread) { return; }
      var badge = document.createElement("span");
      badge.className = "badge danger";
      badge.textContent = data.unread + " unread";
      link.appendChild(document.createTextNode(" "));
      link.appendChild(badge);
    })
    .catch(function () { /* the count is a convenience; the list page has the truth */ });
})();
