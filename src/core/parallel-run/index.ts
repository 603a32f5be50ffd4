/** The parallel run against a legacy billing system (docs/parallel-run.md). */
export * from './compare.ts';
export * from './legacy.ts';
export * from './report-html.ts';
export { MAX_XML_DEPTH, parseXml, type XmlElement, type XmlRead } from './xml.ts';
