/** Validated once at start-up, so a typo fails fast with a message naming the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export interface EnvReader {
  string(name: string, fallback?: string): string;
  int(name: string, fallback: number, range?: { min?: number; max?: number }): number;
  port(name: string, fallback: number): number;
  url(name: string, fallback: string): string;
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T;
  address(name: string, fallback: string): string;
}

export function envReader(env: Env = process.env): EnvReader {
  const raw = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const reader: EnvReader = {
    string(name, fallback) {
      const value = raw(name) ?? fallback;
      if (value === undefined) throw new ConfigError(name, 'is required but not set');
      return value;
    },
    int(name, fallback, range = {}) {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (!/^-?\d+$/.test(value))
        throw new ConfigError(name, `expected an integer, got "${value}"`);
      const n = Number(value);
      const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
      if (n < min || n > max) {
        throw new ConfigError(name, `expected an integer from ${min} to ${max}, got ${n}`);
      }
      return n;
    },
    port(name, fallback) {
      // 0 asks the OS for a free port, which tests rely on.
      return reader.int(name, fallback, { min: 0, max: 65535 });
    },
    url(name, fallback) {
      const value = raw(name) ?? fallback;
      try {
        return new URL(value).toString().replace(/\/$/, '');
      } catch {
        throw new ConfigError(name, `expected an absolute URL, got "${value}"`);
      }
    },
    oneOf(name, allowed, fallback) {
      const value = raw(name) ?? fallback;
      if (!(allowed as readonly string[]).includes(value)) {
        throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${value}"`);
      }
      return value as (typeof allowed)[number];
    },
    address(name, fallback) {
      const value = raw(name) ?? fallback;
      const match = /^([^\s:]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(value);
      if (!match || Number(match[2]) > 65535) {
        throw new ConfigError(name, `expected host:port, got "${value}"`);
      }
      return value;
    },
  };
  return reader;
}
