// Shapes of the API answers the screens read (the server's types, restated for the browser bundle).
export type Totals = { currency: string | null; ht: string | null; tva: string | null; ttc: string | null; payable: string | null };

export type InvoiceListItem = {
  id: string;
  chorusId: number;
  number: string | null;
  issueDate: string | null;
  supplier: { name: string | null; siret: string | null };
  serviceCode: string | null;
  status: string;
  chorusStatus: string | null;
  totals: Totals;
  quarantined: boolean;
  withoutMetadata?: boolean;
  engagement?: string | null;
  budget?: string | null;
  anomalies?: string[];
  matchStatus?: string | null;
  dgpExpiry?: string | null;
};

type Party = {
  name: string | null;
  siret: string | null;
  address: { line1: string | null; city: string | null; postCode: string | null } | null;
};

export type TimelineEntry = { at: string; kind: string; title: string; detail: string | null; actor: string | null };

export type InvoiceDetail = InvoiceListItem & {
  /** French label of chorusStatus, from the server's lifecycle table. */
  chorusStatusLabel: string | null;
  orderReference: string | null;
  contractReference: string | null;
  buyerReference: string | null;
  dueDate: string | null;
  iban: string | null;
  format: string | null;
  lines: { position: number; name: string | null; quantity: string | null; netPrice: string | null; netAmount: string | null; vatRate: string | null }[];
  vat: { category: string | null; rate: string | null; taxableAmount: string | null; taxAmount: string | null }[];
  attachments: { position: number; role: string; filename: string; mimeType: string | null; size: number }[];
  dgp: { daysLeft: number | null; totalDays: number; expiryDate: string | null; late: boolean } | null;
  timeline: TimelineEntry[];
  parties: { seller: Party; buyer: Party; notes: string[] } | null;
};

export type Matching = {
  status: string;
  allocations: { engagementId: string; numero: string; amountTtc: string | null }[];
  candidates: { engagement: { id: string; numero: string; objet: string | null }; score: number; reasons: string[] }[];
  anomalies: { code: string; message: string }[];
};
