/* ReDoc's bundle draws a "by Redocly" logo from cdn.redoc.ly. Loaded before the bundle, this points that one
   image at a copy served by this site, so the docs ask no other host for anything (and work offline). */
(function () {
  "use strict";
  var REMOTE = "https://cdn.redoc.ly/redoc/logo-mini.svg";
  var LOCAL = document.currentScript.getAttribute("data-local-logo");
  var srcProperty = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: srcProperty.enumerable,
    get: function () { return srcProperty.get.call(this); },
    set: function (value) { srcProperty.set.call(this, value === REMOTE ? LOCAL : value); }
  });
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    return setAttribute.call(this, name, name === "src" && value === REMOTE ? LOCAL : value);
  };
})();
