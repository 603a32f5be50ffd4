/**
 * The OpenAPI summaries of the Sonata routes (docs/sonata.md), for
 * src/api/docs/route-docs.ts to spread into its table (`...sonataRouteDocs`).
 */
const ORDERING = '/bilaterals/:id/mefApi/sonata/productOrderingManagement/v10';
const INVENTORY = '/bilaterals/:id/mefApi/sonata/productInventory/v7';
const TROUBLE = '/bilaterals/:id/mefApi/sonata/troubleTicket/v4';

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
  [`GET ${INVENTORY}/product`]: {
    summary: 'MEF Sonata: the products (services) on the record',
    tag: 'sonata',
  },
  [`GET ${INVENTORY}/product/:product`]: { summary: 'MEF Sonata: one product', tag: 'sonata' },
  [`GET ${TROUBLE}/incident`]: { summary: 'MEF Sonata: the incidents (outage facts)', tag: 'sonata' },
};
