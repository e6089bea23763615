// A request htmx could not complete used to change nothing on the page: the learner
// pressed "Check my answer" and saw no reply. Say what happened, and how to go on.
(function () {
  "use strict";
  function box() { return document.getElementById("request-problem"); }
  function say(text) {
    var b = box();
    if (!b) { return; }
    b.querySelector("p").textContent = text;
    b.hidden = false;
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403) {
      say("This page is out of date (you may have logged in or out in another tab), so it was not sent. Reload the page and try again.");
    } else if (status >= 500) {
      say("Something went wrong on our side and this was not saved. Try again in a moment.");
    } else {
      say("This could not be sent (error " + status + "). Reload the page and try again.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    say("The server could not be reached, so this was not sent. Check your connection and try again.");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var b = box();
    if (b && event.detail.successful) { b.hidden = true; }
  });
  document.addEventListener("click", function (event) {
    if (event.target && event.target.id === "request-problem-close") { box().hidden = true; }
  });
})();
