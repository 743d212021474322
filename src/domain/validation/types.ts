export type Severity = 'fatal' | 'warning';

/** One broken rule: its id (BR-xx, BR-CO-xx, BR-S-xx, FR-PUB-xx…), the business term, where, and why in both languages. */
export type Finding = {
  rule: string;
  severity: Severity;
  bt: string;
  location: string;
  messageFr: string;
  messageEn: string;
};

export type ValidationOptions = {
  /** Rules of a French public recipient (Chorus Pro): buyer SIRET, and per structure the service code and engagement number. */
  frenchPublicRecipient?: { requireServiceCode?: boolean; requireEngagement?: boolean };
};

/** How a rule reports a finding (severity fatal unless told). */
export type Emit = (rule: string, bt: string, location: string, messageFr: string, messageEn: string, severity?: Severity) => void;
