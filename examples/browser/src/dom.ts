/**
 * The few browser APIs the page uses, typed here because the project compiles without the DOM's
 * types (`lib: ES2022` in the root tsconfig, which also checks the examples): adding `lib.dom`
 * there would let `src/` use browser globals unnoticed. `fetch`, `URLSearchParams` and
 * `performance` come from Node's types, which match the browser's for what is used here.
 */

/** A file the user picked or dropped. */
export interface PageFile {
  readonly name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** A list of files (`input.files`, `dataTransfer.files`). */
export interface PageFileList {
  readonly length: number;
  item(index: number): PageFile | null;
}

/** The event of a drop zone or a file input. */
export interface PageEvent {
  preventDefault(): void;
  readonly dataTransfer?: { readonly files: PageFileList } | null;
}

export interface PageElement {
  textContent: string | null;
  hidden: boolean;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  addEventListener(type: string, listener: (event: PageEvent) => void): void;
  readonly classList: { toggle(token: string, force?: boolean): boolean };
}

export interface PageInput extends PageElement {
  readonly files: PageFileList | null;
}

/** Pixels for `putImageData`. */
export interface PageImageData {
  readonly data: Uint8ClampedArray;
}

export interface Page2dContext {
  createImageData(width: number, height: number): PageImageData;
  putImageData(image: PageImageData, dx: number, dy: number): void;
}

export interface PageCanvas extends PageElement {
  width: number;
  height: number;
  getContext(kind: '2d'): Page2dContext | null;
}

/** What the page reads of `globalThis` in a browser. */
export interface PageGlobals {
  readonly document: { getElementById(id: string): PageElement | null };
  readonly location: { readonly search: string; readonly href: string };
  __cellmaskDemo?: Promise<unknown>;
}

/** `globalThis` as the page sees it. */
export function pageGlobals(): PageGlobals {
  return globalThis as unknown as PageGlobals;
}

/**
 * The element `#id`.
 * @throws Error naming the id when index.html lacks it.
 */
export function element<T extends PageElement = PageElement>(id: string): T {
  const found = pageGlobals().document.getElementById(id);
  if (found === null) throw new Error(`the page has no element #${id} (index.html and main.ts disagree)`);
  return found as T;
}
