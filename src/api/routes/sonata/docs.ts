/**
 * The OpenAPI summaries of the Sonata routes (docs/sonata.md), for
 * src/api/docs/route-docs.ts to spread into its table (`...sonataRouteDocs`).
 */
const ORDERING = '/bilaterals/:id/mefApi/sonata/productOrderingManagement/v10';
const INVENTORY = '/bilaterals/:id/mefApi/sonata/productInventory/v7';
const TROUBLE = '/bilaterals/:id/mefApi/sonata/troubleTicket/v4';
const BILLING = '/bilaterals/:id/mefApi/sonata/customerBillManagement/v2';
const USAGE = '/bilaterals/:id/tmf-api/usageManagement/v4';
const PAYMENT = '/bilaterals/:id/tmf-api/paymentManagement/v4';

/** The hub routes of one Sonata API (`what`: its name in the summaries). */
function hubDocs(base: string, what: string) {
  return {
    [`POST ${base}/hub`]: { summary: `MEF Sonata: register a listener for ${what} events`, tag: 'sonata' },
    [`GET ${base}/hub/:hub`]: { summary: `MEF Sonata: one ${what} listener registration`, tag: 'sonata' },
    [`DELETE ${base}/hub/:hub`]: { summary: `MEF Sonata: remove a ${what} listener`, tag: 'sonata' },
  };
}

export const sonataRouteDocs: Readonly<Record<string, { readonly summary: string; readonly tag: string }>> = {
  [`POST ${ORDERING}/productOrder`]: {
    summary: 'MEF Sonata: create a product order (service facts)',
    tag: 'sonata',
  },
  [`GET ${ORDERING}/productOrder`]: {
    summary: 'MEF Sonata: the product orders on the record',
    tag: 'sonata',
  },
  [`GET ${ORDERING}/productOrder/:order`]: { summary: 'MEF Sonata: one product order', tag: 'sonata' },
  [`POST ${ORDERING}/productOrder/:order/productOrderItem/:item/complete`]: {
    summary: "The Seller's fulfilment completes an added item (service.activated)",
    tag: 'sonata',
  },
  [`POST ${ORDERING}/cancelProductOrder`]: {
    summary: 'MEF Sonata: cancel a product order none of whose items is completed',
    tag: 'sonata',
  },
  [`GET ${ORDERING}/cancelProductOrder`]: { summary: 'MEF Sonata: the order cancellations', tag: 'sonata' },
  [`GET ${ORDERING}/cancelProductOrder/:cancel`]: { summary: 'MEF Sonata: one cancellation', tag: 'sonata' },
  [`GET ${INVENTORY}/product`]: {
    summary: 'MEF Sonata: the products (services) on the record',
    tag: 'sonata',
  },
  [`GET ${INVENTORY}/product/:product`]: { summary: 'MEF Sonata: one product', tag: 'sonata' },
  [`GET ${TROUBLE}/incident`]: { summary: 'MEF Sonata: the incidents (outage facts)', tag: 'sonata' },
  [`GET ${TROUBLE}/incident/:incident`]: { summary: 'MEF Sonata: one incident', tag: 'sonata' },
  [`POST ${TROUBLE}/incident`]: {
    summary: "The Seller's monitoring reports a closed incident (an outage fact)",
    tag: 'sonata',
  },
  [`GET ${BILLING}/customerBill`]: { summary: 'MEF Sonata: the bills (issued invoices)', tag: 'sonata' },
  [`GET ${BILLING}/customerBill/:bill`]: { summary: 'MEF Sonata: one bill', tag: 'sonata' },
  [`GET ${BILLING}/customerBillItem/:item`]: {
    summary: 'MEF Sonata: one bill item (invoice line)',
    tag: 'sonata',
  },
  ...hubDocs('/bilaterals/:id/mefApi/sonata/productOrderingManagement/v10', 'product order'),
  ...hubDocs(TROUBLE, 'incident'),
  ...hubDocs(BILLING, 'bill'),
  [`POST ${USAGE}/usage`]: { summary: 'TMF635: one usage record (stored in a signed batch)', tag: 'sonata' },
  [`POST ${PAYMENT}/payment`]: { summary: "TMF676: the Buyer's payment (a payment fact)", tag: 'sonata' },
  [`GET ${PAYMENT}/payment`]: { summary: 'TMF676: the payments on the record', tag: 'sonata' },
  [`GET ${PAYMENT}/payment/:payment`]: { summary: 'TMF676: one payment', tag: 'sonata' },
};
