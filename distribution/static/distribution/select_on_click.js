// Clicking a read-only field of the manual upload sheet selects its text, ready to copy. (A file of its own:
// the Content-Security-Policy runs no inline event handlers.)
document.addEventListener("click", function (event) {
  var field = event.target.closest && event.target.closest("input[data-select-on-click]");
  if (field) {
    field.select();
  }
});
