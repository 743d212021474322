// SEDA 2.2 ArchiveTransfer manifest (manifest.xml), per domain.md §2.3: one DataObjectPackage
// with a BinaryDataObject per file (URI inside the ZIP, SHA-256, size, MIME type, file name), a
// tree of ArchiveUnits that reference them, and the management rules (appraisal: the retention
// and final action; access). Pure: takes a model, returns the XML text. The schema order of
// elements matters; src/formats/seda/seda.test.ts validates the output against the official XSD.

export const SEDA_NAMESPACE = 'fr:gouv:culture:archivesdefrance:seda:v2.2';

export type SedaBinaryObject = {
  /** xml:id-like identifier, unique in the package (BDO-…). */
  id: string;
  /** Path inside the ZIP, e.g. "content/facture-F123.pdf". */
  uri: string;
  sha256: string;
  size: number;
  mimeType: string;
  filename: string;
};

export type SedaKeyword = { type: 'corpname' | 'famname' | 'geogname' | 'name' | 'occupation' | 'persname' | 'subject' | 'genreform' | 'function'; content: string; reference?: string };

export type SedaArchiveUnit = {
  id: string;
  level: 'RecordGrp' | 'File' | 'Item' | 'Series' | 'Subseries';
  title: string;
  description?: string;
  /** Codes such as the invoice number, Chorus id, mandat number. */
  keywords?: SedaKeyword[];
  originatingAgency?: string;
  startDate?: string | null;
  endDate?: string | null;
  /** BinaryDataObject ids this unit references. */
  objects?: string[];
  children?: SedaArchiveUnit[];
};

export type SedaTransfer = {
  comment: string;
  /** ISO instant. */
  date: string;
  messageIdentifier: string;
  archivalAgreement?: string | null;
  archivalProfile?: string | null;
  archivalAgency: { identifier: string; name?: string };
  transferringAgency: { identifier: string; name?: string };
  originatingAgencyIdentifier: string;
  appraisal: { rule: string; startDate: string; finalAction: 'Keep' | 'Destroy' };
  access: { rule: string; startDate: string };
  objects: SedaBinaryObject[];
  units: SedaArchiveUnit[];
};

export function xmlEscape(value: string): string {
  return value
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function element(name: string, value: string | number, indent: string, attributes = ''): string {
  return `${indent}<${name}${attributes}>${xmlEscape(String(value))}</${name}>\n`;
}

/** SEDA dates are xsd:date: the first 10 characters of an ISO date or instant. */
function sedaDate(value: string): string {
  return value.slice(0, 10);
}

function unitXml(unit: SedaArchiveUnit, indent: string): string {
  const inner = `${indent}  `;
  const content = `${inner}  `;
  let xml = `${indent}<ArchiveUnit id="${xmlEscape(unit.id)}">\n${inner}<Content>\n`;
  xml += element('DescriptionLevel', unit.level, content);
  xml += element('Title', unit.title, content, ' xml:lang="fr"');
  if (unit.description) xml += element('Description', unit.description, content, ' xml:lang="fr"');
  xml += element('Language', 'fr', content);
  for (const keyword of unit.keywords ?? []) {
    xml += `${content}<Keyword>\n`;
    xml += element('KeywordContent', keyword.content, `${content}  `);
    if (keyword.reference) xml += element('KeywordReference', keyword.reference, `${content}  `);
    xml += element('KeywordType', keyword.type, `${content}  `);
    xml += `${content}</Keyword>\n`;
  }
  if (unit.originatingAgency) xml += `${content}<OriginatingAgency>\n${element('Identifier', unit.originatingAgency, `${content}  `)}${content}</OriginatingAgency>\n`;
  if (unit.startDate) xml += element('StartDate', sedaDate(unit.startDate), content);
  if (unit.endDate) xml += element('EndDate', sedaDate(unit.endDate), content);
  xml += `${inner}</Content>\n`;
  for (const child of unit.children ?? []) xml += unitXml(child, inner);
  for (const object of unit.objects ?? []) {
    xml += `${inner}<DataObjectReference>\n${element('DataObjectReferenceId', object, `${inner}  `)}${inner}</DataObjectReference>\n`;
  }
  xml += `${indent}</ArchiveUnit>\n`;
  return xml;
}

function agency(name: string, value: { identifier: string; name?: string }): string {
  // OrganizationWithIdType: Identifier, then an optional OrganizationDescriptiveMetadata (free content).
  return `  <${name}>\n${element('Identifier', value.identifier, '    ')}  </${name}>\n`;
}

export function buildArchiveTransfer(transfer: SedaTransfer): string {
  const ids = new Set<string>();
  for (const object of transfer.objects) {
    if (ids.has(object.id)) throw new Error(`duplicate SEDA object id ${object.id}`);
    if (!/^[0-9a-f]{64}$/.test(object.sha256)) throw new Error(`not a SHA-256 digest for ${object.uri}: ${object.sha256}`);
    ids.add(object.id);
  }
  const checkRefs = (unit: SedaArchiveUnit): void => {
    for (const ref of unit.objects ?? []) if (!ids.has(ref)) throw new Error(`archive unit ${unit.id} references unknown object ${ref}`);
    unit.children?.forEach(checkRefs);
  };
  transfer.units.forEach(checkRefs);

  let xml = '<?xml version="1.0" encoding="UTF-8"?>\n';
  xml += `<ArchiveTransfer xmlns="${SEDA_NAMESPACE}" xmlns:xlink="http://www.w3.org/1999/xlink">\n`;
  xml += element('Comment', transfer.comment, '  ');
  xml += element('Date', transfer.date, '  ');
  xml += element('MessageIdentifier', transfer.messageIdentifier, '  ');
  if (transfer.archivalAgreement) xml += element('ArchivalAgreement', transfer.archivalAgreement, '  ');
  xml += '  <CodeListVersions>\n';
  xml += element('ReplyCodeListVersion', 'ReplyCodeListVersion0', '    ');
  xml += element('MessageDigestAlgorithmCodeListVersion', 'MessageDigestAlgorithmCodeListVersion0', '    ');
  xml += element('MimeTypeCodeListVersion', 'MimeTypeCodeListVersion0', '    ');
  xml += element('EncodingCodeListVersion', 'EncodingCodeListVersion0', '    ');
  xml += element('FileFormatCodeListVersion', 'FileFormatCodeListVersion0', '    ');
  xml += element('CompressionAlgorithmCodeListVersion', 'CompressionAlgorithmCodeListVersion0', '    ');
  xml += element('DataObjectVersionCodeListVersion', 'DataObjectVersionCodeListVersion0', '    ');
  xml += element('StorageRuleCodeListVersion', 'StorageRuleCodeListVersion0', '    ');
  xml += element('AppraisalRuleCodeListVersion', 'AppraisalRuleCodeListVersion0', '    ');
  xml += element('AccessRuleCodeListVersion', 'AccessRuleCodeListVersion0', '    ');
  xml += element('DisseminationRuleCodeListVersion', 'DisseminationRuleCodeListVersion0', '    ');
  xml += element('ReuseRuleCodeListVersion', 'ReuseRuleCodeListVersion0', '    ');
  xml += element('ClassificationRuleCodeListVersion', 'ClassificationRuleCodeListVersion0', '    ');
  xml += element('AuthorizationReasonCodeListVersion', 'AuthorizationReasonCodeListVersion0', '    ');
  xml += element('RelationshipCodeListVersion', 'RelationshipCodeListVersion0', '    ');
  xml += '  </CodeListVersions>\n';
  xml += '  <DataObjectPackage>\n';
  for (const object of transfer.objects) {
    xml += `    <BinaryDataObject id="${xmlEscape(object.id)}">\n`;
    xml += element('DataObjectVersion', 'BinaryMaster_1', '      ');
    xml += element('Uri', object.uri, '      ');
    xml += element('MessageDigest', object.sha256, '      ', ' algorithm="SHA-256"');
    xml += element('Size', object.size, '      ');
    xml += `      <FormatIdentification>\n${element('MimeType', object.mimeType, '        ')}      </FormatIdentification>\n`;
    xml += `      <FileInfo>\n${element('Filename', object.filename, '        ')}      </FileInfo>\n`;
    xml += '    </BinaryDataObject>\n';
  }
  xml += '    <DescriptiveMetadata>\n';
  for (const unit of transfer.units) xml += unitXml(unit, '      ');
  xml += '    </DescriptiveMetadata>\n';
  xml += '    <ManagementMetadata>\n';
  if (transfer.archivalProfile) xml += element('ArchivalProfile', transfer.archivalProfile, '      ');
  xml += element('OriginatingAgencyIdentifier', transfer.originatingAgencyIdentifier, '      ');
  xml += '      <AppraisalRule>\n';
  xml += element('Rule', transfer.appraisal.rule, '        ');
  xml += element('StartDate', sedaDate(transfer.appraisal.startDate), '        ');
  xml += element('FinalAction', transfer.appraisal.finalAction, '        ');
  xml += '      </AppraisalRule>\n';
  xml += '      <AccessRule>\n';
  xml += element('Rule', transfer.access.rule, '        ');
  xml += element('StartDate', sedaDate(transfer.access.startDate), '        ');
  xml += '      </AccessRule>\n';
  xml += '    </ManagementMetadata>\n';
  xml += '  </DataObjectPackage>\n';
  xml += agency('ArchivalAgency', transfer.archivalAgency);
  xml += agency('TransferringAgency', transfer.transferringAgency);
  xml += '</ArchiveTransfer>\n';
  return xml;
}
