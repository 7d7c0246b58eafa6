/* Progress bars of background jobs: poll the job's status until it ends. */
(function () {
  "use strict";
  function poll(box) {
    var url = box.getAttribute("data-status-url");
    fetch(url, { credentials: "same-origin", headers: { "X-Portal-Poll": "1" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var bar = box.querySelector("progress");
        bar.value = data.percent;
        bar.textContent = data.percent + "%";
        box.querySelector(".job-status").textContent = data.status_label;
        box.querySelector(".job-count").textContent =
          data.current + (data.total ? " of " + data.total : "");
        if (data.finished) {
          box.setAttribute("data-finished", "true");
          if (box.hasAttribute("data-reload-when-done")) { window.location.reload(); }
          return;
        }
        window.setTimeout(function () { poll(box); }, 700);
      })
      .catch(function () { window.setTimeout(function () { poll(box); }, 2000); });
  }
  document.querySelectorAll(".job-progress").forEach(function (box) {
    if (box.getAttribute("data-finished") !== "true") {
      box.setAttribute("data-reload-when-done", "");
      poll(box);
    }
  });
})();
