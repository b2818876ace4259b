// @asyncapi/generator ships no type declarations; this covers the part scripts/generate.ts uses.
declare module '@asyncapi/generator' {
  interface GeneratorOptions {
    forceWrite?: boolean;
    install?: boolean;
    templateParams?: Record<string, string>;
  }
  export default class Generator {
    constructor(templateName: string, targetDir: string, options?: GeneratorOptions);
    generateFromFile(asyncapiPath: string): Promise<void>;
  }
}
