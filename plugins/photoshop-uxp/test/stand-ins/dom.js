// Just enough of UXP's DOM to run src/panel.js under node: the real src/index.html parsed into
// elements (so a renamed id breaks the tests), with attributes, values, focus, events and
// children. Where UXP differs from a browser, the stand-in follows UXP's known issues
// (AdobeDocs/uxp-photoshop, src/pages/uxp-api/known-issues.md), cited at each place.
import { readFileSync } from "node:fs";

const VOID_TAGS = new Set(["input", "img", "br", "hr", "meta", "link"]);

class FakeElement {
  /**
   * @param {FakePage} page
   * @param {string} tagName
   * @param {Record<string, string>} [attributes]
   */
  constructor(page, tagName, attributes = {}) {
    this.page = page;
    this.tagName = tagName.toUpperCase();
    this.attributes = new Map(Object.entries(attributes));
    this._text = "";
    /** Every text the element was given, in order: a status line can change again before a
     * test that polls it looks (the board watcher's notice follows "Sent to" at once). */
    this.shown = [];
    this.style = {};
    this.src = "";
    /** @type {FakeElement[]} */
    this.children = [];
    /** @type {FakeElement | null} */
    this.parentElement = null;
    this._value = attributes.value ?? "";
    this._listeners = {};
  }

  get textContent() { return this._text; }
  set textContent(v) {
    this._text = String(v);
    this.shown.push(this._text);
  }
  get id() { return this.getAttribute("id") ?? ""; }
  get className() { return this.getAttribute("class") ?? ""; }
  set className(v) { this.setAttribute("class", v); }
  get disabled() { return this.hasAttribute("disabled"); }
  set disabled(v) { if (v) this.setAttribute("disabled", ""); else this.removeAttribute("disabled"); }
  get type() { return this.getAttribute("type") ?? (this.tagName === "INPUT" ? "text" : ""); }
  set type(v) { this.setAttribute("type", v); }
  // A checkbox's state is its own property (the "checked" attribute is only its default).
  get checked() { return Boolean(this._checked ?? this.hasAttribute("checked")); }
  set checked(v) { this._checked = Boolean(v); }
  get placeholder() { return this.getAttribute("placeholder") ?? ""; }
  set placeholder(v) { this.setAttribute("placeholder", v); }

  getAttribute(name) { return this.attributes.has(name) ? this.attributes.get(name) : null; }
  setAttribute(name, value) { this.attributes.set(name, String(value)); }
  hasAttribute(name) { return this.attributes.has(name); }
  removeAttribute(name) { this.attributes.delete(name); }

  get value() {
    if (this.tagName === "OPTION") {
      // "<option> tags must have a value attribute, or referencing the select's value property
      // will return undefined." Only the attribute is documented, so only it counts here.
      return this.getAttribute("value") ?? undefined;
    }
    if (this.tagName === "SELECT") {
      const options = this.children.filter((c) => c.tagName === "OPTION");
      const chosen = options.find((o) => o.hasAttribute("selected")) ||
        options.find((o) => o.getAttribute("value") === this.getAttribute("value")) || options[0];
      return chosen ? chosen.value : "";
    }
    // "Password field values cannot be read on macOS." (known-issues.md, HTML Elements)
    if (this.tagName === "INPUT" && this.type === "password" && this.page.platform === "macos") return "";
    return this._value;
  }

  set value(v) {
    if (this.tagName === "OPTION") this._optionValueProperty = String(v); // not reflected: see the getter
    // "<select value="…"/> does not show the value as selected. Instead ... call setAttribute("value", …)"
    else if (this.tagName === "SELECT") this.setAttribute("value", v);
    else this._value = String(v);
  }

  set innerHTML(html) {
    if (html !== "") throw new Error("fake DOM: only innerHTML = '' is supported");
    this.children = [];
  }

  appendChild(child) {
    child.parentElement = this;
    this.children.push(child);
    return child;
  }

  addEventListener(type, listener) {
    (this._listeners[type] ||= []).push(listener);
  }

  dispatch(type) {
    for (const listener of this._listeners[type] || []) listener({ type, target: this });
  }

  focus() {
    this.page.focus(this);
  }

  blur() {
    if (this.page.activeElement === this) this.page.focus(null);
  }

  /** Like a user click: focus moves to the element; nothing else happens when it is disabled. */
  click() {
    if (this.disabled) return;
    this.page.focus(this);
    this.dispatch("click");
  }

  /** Like a user picking an option of this <select>: it becomes the selected one, then "change". */
  userChooses(value) {
    this.page.focus(this);
    for (const option of this.children) {
      if (option.getAttribute("value") === value) option.setAttribute("selected", "");
      else option.removeAttribute("selected");
    }
    this.dispatch("change");
  }

  /** Like a user typing into the field (replacing its text): focus, then input events. */
  userTypes(text) {
    this.page.focus(this);
    this._value = String(text);
    this.dispatch("input");
  }
}

class FakePage {
  /** @param {"macos" | "windows"} platform */
  constructor(platform) {
    this.platform = platform;
    /** @type {FakeElement | null} */
    this.activeElement = null;
    /** @type {Map<string, FakeElement>} */
    this.elements = new Map();
    /** @type {FakeElement[]} every element parsed from the page, in document order */
    this.all = [];
  }

  /** @param {FakeElement | null} element */
  focus(element) {
    const previous = this.activeElement;
    if (previous === element) return;
    this.activeElement = element;
    if (previous) {
      if (previous._valueAtFocus !== previous._value) previous.dispatch("change");
      previous.dispatch("blur");
    }
    if (element) {
      element._valueAtFocus = element._value;
      element.dispatch("focus");
    }
  }

  getElementById(id) {
    return this.elements.get(id) || null;
  }

  createElement(tag) {
    return new FakeElement(this, tag);
  }
}

/** @param {string} text  the inside of a start tag after its name */
function parseAttributes(text) {
  /** @type {Record<string, string>} */
  const attributes = {};
  for (const match of text.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*"([^"]*)")?/g)) {
    attributes[match[1]] = match[2] ?? "";
  }
  return attributes;
}

/**
 * A `document` for startPanel built from index.html.
 * @param {{platform?: "macos" | "windows", htmlPath?: URL}} [options]  macOS by default: its
 *   rules are the stricter ones
 */
export function fakeDocument({ platform = "macos", htmlPath = new URL("../../src/index.html", import.meta.url) } = {}) {
  const html = readFileSync(htmlPath, "utf8").replace(/<!--[\s\S]*?-->/g, "");
  const page = new FakePage(platform);
  const root = new FakeElement(page, "#root");
  /** @type {FakeElement[]} */
  const stack = [root];
  for (const match of html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>|([^<]+)/g)) {
    const [, closing, tag, rest, text] = match;
    const parent = stack[stack.length - 1];
    if (text !== undefined) {
      if (text.trim()) parent.textContent += text.trim();
      continue;
    }
    const name = tag.toLowerCase();
    if (closing) {
      const at = stack.map((e) => e.tagName).lastIndexOf(name.toUpperCase());
      if (at > 0) stack.length = at;
      continue;
    }
    if (name === "!doctype") continue;
    const element = new FakeElement(page, name, parseAttributes(rest));
    parent.appendChild(element);
    page.all.push(element);
    if (element.id) page.elements.set(element.id, element);
    if (!VOID_TAGS.has(name) && !rest.trim().endsWith("/")) stack.push(element);
  }
  return page;
}

/** A localStorage stand-in. */
export function fakeStorage(initial = {}) {
  const items = new Map(Object.entries(initial));
  return {
    items,
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    setItem: (key, value) => void items.set(key, String(value)),
    removeItem: (key) => void items.delete(key),
  };
}

/**
 * Waits until `check()` is truthy (polling every 20 ms), or fails after `ms`; the failure
 * says what `state()` showed at that moment (e.g. the status line), so a timeout is readable.
 */
export async function waitFor(check, ms, what, state = () => "") {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = check();
    if (value) return value;
    await new Promise((done) => setTimeout(done, 20));
  }
  const shown = state();
  throw new Error(`timed out waiting for ${what}${shown ? ` (showing: ${shown})` : ""}`);
}
