/** setLogLevel(0..4) as Tencent's: 0 all (debug), 1 release (info), 2 warn, 3 error, 4 none. */
export class Logger {
  level = 1;
  constructor(private readonly prefix = "[yuntong-chat]") {}
  debug(...a: unknown[]): void {
    if (this.level <= 0) console.debug(this.prefix, ...a);
  }
  info(...a: unknown[]): void {
    if (this.level <= 1) console.info(this.prefix, ...a);
  }
  warn(...a: unknown[]): void {
    if (this.level <= 2) console.warn(this.prefix, ...a);
  }
  error(...a: unknown[]): void {
    if (this.level <= 3) console.error(this.prefix, ...a);
  }
}
