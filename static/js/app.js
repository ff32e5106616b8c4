// Shows htmx errors (4xx/5xx other than 422, network failures) in the flash area.
(function () {
  function showError(html) {
    var flashes = document.getElementById("flashes");
    if (flashes) { flashes.innerHTML = html; flashes.scrollIntoView({block: "nearest"}); }
  }
  function message(text) {
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    return p.outerHTML;
  }
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var body = xhr.responseText || "";
    if (body.indexOf("data-error-code") !== -1 && body.length < 4000) {
      showError(body);
    } else {
      showError(message(document.body.dataset.serverError));
    }
  });
  document.addEventListener("htmx:sendError", function () {
    showError(message(document.body.dataset.networkError));
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-activation-link]")) { event.target.select(); }
  });
})();
