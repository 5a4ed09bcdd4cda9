/** on/off/emit with Tencent's handler shape: every handler receives one object `{name, data}`. */
import type { Logger } from "./log";

export type Handler = (event: { name: string; data: unknown }) => void;

export class Emitter {
  private handlers = new Map<string, { fn: Handler; ctx: unknown }[]>();
  constructor(private readonly log: Logger) {}

  on(name: string, fn: Handler, ctx?: unknown): void {
    const list = this.handlers.get(name) ?? [];
    list.push({ fn, ctx });
    this.handlers.set(name, list);
  }

  off(name: string, fn: Handler, ctx?: unknown): void {
    const list = this.handlers.get(name);
    if (!list) return;
    this.handlers.set(
      name,
      list.filter((h) => !(h.fn === fn && (ctx === undefined || h.ctx === ctx))),
    );
  }

  emit(name: string, data: unknown): void {
    for (const h of [...(this.handlers.get(name) ?? [])]) {
      try {
        h.fn.call(h.ctx, { name, data });
      } catch (e) {
        this.log.error(`a handler of ${name} threw`, e);
      }
    }
  }

  clear(): void {
    this.handlers.clear();
  }
}
