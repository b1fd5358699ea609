// Just enough of a DOM to run src/panel.js under node: one element per id found in the real
// src/index.html (so a renamed id breaks the tests), with values, events and children.
import { readFileSync } from "node:fs";

class FakeElement {
  constructor(tagName, id = "", attributes = "") {
    this.tagName = tagName.toUpperCase();
    this.id = id;
    this.disabled = /\sdisabled(\s|>|$)/.test(attributes);
    this.textContent = "";
    this.className = (attributes.match(/class="([^"]*)"/) || [])[1] || "";
    this.style = {};
    this.src = "";
    this.children = [];
    this._value = "";
    this._listeners = {};
  }

  get value() {
    if (this.tagName === "SELECT" && !this.children.some((o) => o.value === this._value)) {
      return this.children[0]?.value ?? "";
    }
    return this._value;
  }

  set value(v) {
    this._value = String(v);
  }

  set innerHTML(html) {
    if (html !== "") throw new Error("fake DOM: only innerHTML = '' is supported");
    this.children = [];
  }

  appendChild(child) {
    this.children.push(child);
    return child;
  }

  addEventListener(type, listener) {
    (this._listeners[type] ||= []).push(listener);
  }

  /** Like a user click: nothing happens on a disabled element. */
  click() {
    if (this.disabled) return;
    for (const listener of this._listeners.click || []) listener({ type: "click", target: this });
  }
}

/** A `document` for startPanel built from the ids in index.html. */
export function fakeDocument(htmlPath = new URL("../src/index.html", import.meta.url)) {
  const html = readFileSync(htmlPath, "utf8");
  const elements = new Map();
  for (const match of html.matchAll(/<([a-z]+)([^>]*\sid="([^"]+)"[^>]*)>/g)) {
    elements.set(match[3], new FakeElement(match[1], match[3], match[2]));
  }
  return {
    elements,
    getElementById: (id) => elements.get(id) || null,
    createElement: (tag) => new FakeElement(tag),
  };
}

/** A localStorage stand-in. */
export function fakeStorage(initial = {}) {
  const items = new Map(Object.entries(initial));
  return {
    items,
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    setItem: (key, value) => void items.set(key, String(value)),
  };
}

/** Waits until `check()` is truthy (polling every 20 ms), or fails after `ms`. */
export async function waitFor(check, ms, what) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = check();
    if (value) return value;
    await new Promise((done) => setTimeout(done, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
