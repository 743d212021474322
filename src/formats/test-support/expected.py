# Independent expectations for the corpus test: lxml XPath (libxml2) on each XML, and pikepdf (libqpdf)
# to take the invoice XML out of each PDF. Run by the system Python (Debian python3-lxml, python3-pikepdf).
import io, json, os, sys
from lxml import etree
import pikepdf

def ln(*names):
    return '/'.join("*[local-name()='%s']" % n for n in names)

def first(doc, xpath):
    r = doc.xpath(xpath)
    if not r:
        return None
    v = r[0] if isinstance(r, list) else r
    v = v.text if hasattr(v, 'text') else str(v)
    v = (v or '').strip()
    return v or None

def ubl(doc):
    root = '/*/'
    lmt = root + ln('LegalMonetaryTotal') + '/'
    cur = first(doc, root + ln('DocumentCurrencyCode'))
    tax = None
    for t in doc.xpath(root + ln('TaxTotal', 'TaxAmount')):
        if t.get('currencyID') in (None, cur):
            tax = t.text.strip(); break
    return {
        'BT-1': first(doc, root + ln('ID')), 'BT-2': first(doc, root + ln('IssueDate')),
        'BT-3': first(doc, root + ln('InvoiceTypeCode')) or first(doc, root + ln('CreditNoteTypeCode')),
        'BT-5': cur, 'BT-10': first(doc, root + ln('BuyerReference')), 'BT-13': first(doc, root + ln('OrderReference', 'ID')),
        'BT-31': first(doc, root + ln('AccountingSupplierParty', 'Party', 'PartyTaxScheme') + "[*[local-name()='TaxScheme']/*[local-name()='ID']='VAT']/*[local-name()='CompanyID']"),
        'BT-106': first(doc, lmt + ln('LineExtensionAmount')), 'BT-107': first(doc, lmt + ln('AllowanceTotalAmount')),
        'BT-108': first(doc, lmt + ln('ChargeTotalAmount')), 'BT-109': first(doc, lmt + ln('TaxExclusiveAmount')),
        'BT-110': tax, 'BT-112': first(doc, lmt + ln('TaxInclusiveAmount')), 'BT-113': first(doc, lmt + ln('PrepaidAmount')),
        'BT-114': first(doc, lmt + ln('PayableRoundingAmount')), 'BT-115': first(doc, lmt + ln('PayableAmount')),
        'lines': int(doc.xpath("count(/*/*[local-name()='InvoiceLine' or local-name()='CreditNoteLine'])")),
    }

def cii(doc, zf1):
    names = dict(doc='HeaderExchangedDocument', tr='SpecifiedSupplyChainTradeTransaction', agr='ApplicableSupplyChainTradeAgreement',
                 set='ApplicableSupplyChainTradeSettlement', sum='SpecifiedTradeSettlementMonetarySummation', ord='ID') if zf1 else \
            dict(doc='ExchangedDocument', tr='SupplyChainTradeTransaction', agr='ApplicableHeaderTradeAgreement',
                 set='ApplicableHeaderTradeSettlement', sum='SpecifiedTradeSettlementHeaderMonetarySummation', ord='IssuerAssignedID')
    d = '/*/' + ln(names['doc']) + '/'
    a = '/*/' + ln(names['tr'], names['agr']) + '/'
    s = '/*/' + ln(names['tr'], names['set']) + '/'
    m = s + ln(names['sum']) + '/'
    cur = first(doc, s + ln('InvoiceCurrencyCode'))
    tax = None
    for t in doc.xpath(m + ln('TaxTotalAmount')):
        if t.get('currencyID') in (None, cur):
            tax = t.text.strip(); break
    issue = first(doc, d + ln('IssueDateTime')) if zf1 else None
    issue = first(doc, d + ln('IssueDateTime', 'DateTimeString')) or issue
    if issue and len(issue) == 8:
        issue = issue[0:4] + '-' + issue[4:6] + '-' + issue[6:8]
    return {
        'BT-1': first(doc, d + ln('ID')), 'BT-2': issue, 'BT-3': first(doc, d + ln('TypeCode')), 'BT-5': cur,
        'BT-10': first(doc, a + ln('BuyerReference')), 'BT-13': first(doc, a + ln('BuyerOrderReferencedDocument', names['ord'])),
        'BT-31': first(doc, a + ln('SellerTradeParty', 'SpecifiedTaxRegistration', 'ID') + "[@schemeID='VA']"),
        'BT-106': first(doc, m + ln('LineTotalAmount')), 'BT-107': first(doc, m + ln('AllowanceTotalAmount')),
        'BT-108': first(doc, m + ln('ChargeTotalAmount')), 'BT-109': first(doc, m + ln('TaxBasisTotalAmount')),
        'BT-110': tax, 'BT-112': first(doc, m + ln('GrandTotalAmount')), 'BT-113': first(doc, m + ln('TotalPrepaidAmount')),
        'BT-114': first(doc, m + ln('RoundingAmount')), 'BT-115': first(doc, m + ln('DuePayableAmount')),
        'lines': int(doc.xpath("count(/*/*[local-name()='%s']/*[local-name()='IncludedSupplyChainTradeLineItem'])" % names['tr'])),
    }

def expect_xml(data):
    doc = etree.parse(io.BytesIO(data), etree.XMLParser(resolve_entities=False, no_network=True))
    root = etree.QName(doc.getroot())
    if root.localname in ('Invoice', 'CreditNote') and root.namespace.startswith('urn:oasis'):
        return dict(ubl(doc), kind='UBL')
    if root.localname == 'CrossIndustryInvoice':
        return dict(cii(doc, False), kind='CII')
    return dict(cii(doc, True), kind='ZUGFERD1')

NAMES = ['factur-x.xml', 'xrechnung.xml', 'zugferd-invoice.xml']

def expect_pdf(path):
    pdf = pikepdf.open(path)
    files = {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
    chosen = None
    for wanted in NAMES:
        for name in files:
            if name.lower() == wanted:
                chosen = chosen or name
    if chosen is None:
        for name, data in files.items():
            if name.lower().endswith('.xml') and b'CrossIndustry' in data[:2000]:
                chosen = name
                break
    if chosen is None:
        return {'kind': 'PDF', 'attachments': sorted(files)}
    result = expect_xml(files[chosen])
    result['attachments'] = sorted(name for name in files if name != chosen)
    return result

out = {}
for path in sys.argv[1:]:
    out[path] = expect_pdf(path) if path.lower().endswith('.pdf') else expect_xml(open(path, 'rb').read())
json.dump(out, sys.stdout)
