/** The small part of pdfmake 0.3's Node API that Billfold uses (the package ships no types). */
declare module 'pdfmake' {
  export type Content = string | ContentObject | Content[];
  export interface ContentObject {
    text?: string | Content[];
    style?: string | string[];
    fontSize?: number;
    bold?: boolean;
    color?: string;
    alignment?: 'left' | 'right' | 'center';
    margin?: number | [number, number] | [number, number, number, number];
    table?: { headerRows?: number; widths?: (number | string)[]; body: Content[][]; dontBreakRows?: boolean };
    layout?: string;
    columns?: Content[];
    stack?: Content[];
    ul?: Content[];
    colSpan?: number;
    fillColor?: string;
    noWrap?: boolean;
    width?: number | string;
    [key: string]: unknown;
  }
  export interface DocDefinition {
    content: Content[];
    styles?: Record<string, Record<string, unknown>>;
    defaultStyle?: Record<string, unknown>;
    info?: { title?: string; author?: string; subject?: string; creator?: string; producer?: string; creationDate?: Date };
    pageSize?: string;
    pageMargins?: [number, number, number, number];
    footer?: (currentPage: number, pageCount: number) => Content;
    compress?: boolean;
  }
  interface OutputDocument {
    getBuffer(): Promise<Buffer>;
  }
  interface VirtualFs {
    writeFileSync(name: string, content: Buffer | Uint8Array): void;
    existsSync(name: string): boolean;
  }
  interface PdfMake {
    virtualfs: VirtualFs;
    setFonts(fonts: Record<string, { normal: string; bold: string; italics: string; bolditalics: string }>): void;
    setUrlAccessPolicy(callback: (url: string) => boolean): void;
    setLocalAccessPolicy(callback: (path: string) => boolean): void;
    createPdf(doc: DocDefinition, options?: Record<string, unknown>): OutputDocument;
  }
  const pdfmake: PdfMake;
  export default pdfmake;
}
