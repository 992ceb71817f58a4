/**
 * The browser shapes the page script (src/report/page.ts) uses. The project's TypeScript program has no DOM
 * library (it clashes with Node's types), so the few DOM and uPlot shapes the page touches are declared here, as
 * narrowly as it uses them. Types only: nothing here exists at run time.
 */

export interface PageEvent {
  key?: string;
  target: unknown;
  preventDefault(): void;
}

export interface PageElement {
  textContent: string | null;
  className: string;
  hidden: boolean;
  value: string;
  checked: boolean;
  disabled: boolean;
  title: string;
  id: string;
  type: string;
  open: boolean;
  selected: boolean;
  placeholder: string;
  htmlFor: string;
  colSpan: number;
  tabIndex: number;
  readonly dataset: Record<string, string | undefined>;
  readonly style: Record<string, string>;
  readonly children: ArrayLike<PageElement>;
  readonly clientWidth: number;
  readonly classList: { add(c: string): void; remove(c: string): void; toggle(c: string, on?: boolean): void };
  append(...nodes: (PageElement | string)[]): void;
  replaceChildren(...nodes: (PageElement | string)[]): void;
  remove(): void;
  focus(): void;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  addEventListener(type: string, fn: (ev: PageEvent) => void): void;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  scrollIntoView(options?: { block?: string }): void;
}

export interface PageDocument {
  readonly body: PageElement;
  readonly documentElement: PageElement;
  title: string;
  createElement(tag: string): PageElement;
  getElementById(id: string): PageElement | null;
  addEventListener(type: string, fn: (ev: PageEvent) => void): void;
}

export interface PageWindow {
  __report?: unknown;
  addEventListener(type: string, fn: (ev: PageEvent) => void): void;
}

export interface PageObserver {
  observe(el: PageElement): void;
  unobserve(el: PageElement): void;
}

export type IntersectionCtor = new (
  cb: (entries: { isIntersecting: boolean; target: PageElement }[]) => void,
  options?: { rootMargin?: string },
) => PageObserver;

export type ResizeCtor = new (cb: (entries: { target: PageElement }[]) => void) => PageObserver;

/** The parts of uPlot (https://github.com/leeoniya/uPlot, bundled into the page) the page uses. */
export interface UPlotInstance {
  readonly ctx: {
    save(): void;
    restore(): void;
    beginPath(): void;
    moveTo(x: number, y: number): void;
    lineTo(x: number, y: number): void;
    arc(x: number, y: number, r: number, a0: number, a1: number): void;
    stroke(): void;
    fill(): void;
    strokeStyle: string;
    fillStyle: string;
    lineWidth: number;
  };
  readonly data: (number | null)[][];
  valToPos(v: number, scale: string, canvasPixels?: boolean): number;
  setSize(size: { width: number; height: number }): void;
  destroy(): void;
}

export interface UPlotStatic {
  new (opts: Record<string, unknown>, data: (number | null)[][], target: PageElement): UPlotInstance;
  paths: { bars: (opts?: Record<string, unknown>) => unknown };
  pxRatio: number;
}
