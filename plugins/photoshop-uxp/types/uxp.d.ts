// Minimal declarations for the parts of the "uxp" module the panel uses: npm has no @types/uxp.
// Shapes follow Adobe's UXP API reference (storage.localFileSystem, entrypoints, host).
declare module "uxp" {
  export namespace storage {
    interface Entry {
      readonly name: string;
      readonly isFile: boolean;
      readonly isFolder: boolean;
      readonly nativePath: string;
    }
    interface File extends Entry {
      read(options?: { format?: unknown }): Promise<string | ArrayBuffer>;
    }
    interface Folder extends Entry {
      getEntry(path: string): Promise<File | Folder>;
    }
    const formats: { utf8: unknown; binary: unknown };
    const localFileSystem: {
      getPluginFolder(): Promise<Folder>;
    };
    /**
     * Per-plugin storage that encrypts values with the user's credentials
     * (modules/uxp/key-value-storage/secure-storage.md). Values may be lost: treat it as a cache.
     */
    const secureStorage: {
      readonly length: number;
      /** Rejects when the value is empty or cannot be stored. */
      setItem(key: string, value: string | ArrayBuffer | ArrayBufferView): Promise<void>;
      /** Resolves with the stored bytes (null for a missing key since Photoshop 26.10). */
      getItem(key: string): Promise<Uint8Array | null>;
      /** Rejects when there is no such item. */
      removeItem(key: string): Promise<void>;
      key(index: number): string | undefined;
      clear(): Promise<void>;
    };
  }

  export namespace entrypoints {
    interface PanelEntry {
      create?(rootNode?: HTMLElement): void | Promise<void>;
      show?(rootNode?: HTMLElement, data?: unknown): void | Promise<void>;
      hide?(rootNode?: HTMLElement, data?: unknown): void | Promise<void>;
      destroy?(rootNode?: HTMLElement): void | Promise<void>;
    }
    function setup(config: {
      plugin?: { create?(): void | Promise<void>; destroy?(): void | Promise<void> };
      panels?: Record<string, PanelEntry>;
    }): void;
  }

  export const host: { name: string; version: string; uiLocale?: string };
}
