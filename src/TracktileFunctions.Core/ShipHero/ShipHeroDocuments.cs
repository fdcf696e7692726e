namespace TracktileFunctions.ShipHero;

/// <summary>Every GraphQL document the connector sends to ShipHero, in one place.</summary>
public static class ShipHeroDocuments
{
    /// <summary>The order made for a partner order id (a Tracktile shipment), if any.</summary>
    public const string OrderByPartnerId = """
        query OrderByPartnerId($partnerOrderId: String!) {
          orders(partner_order_id: $partnerOrderId) {
            request_id complexity
            data(first: 5) { edges { node { id legacy_id order_number partner_order_id fulfillment_status } } }
          }
        }
        """;

    /// <summary>Creates an order.</summary>
    public const string CreateOrder = """
        mutation CreateOrder($data: CreateOrderInput!) {
          order_create(data: $data) { request_id complexity order { id legacy_id order_number partner_order_id } }
        }
        """;

    /// <summary>Cancels an order.</summary>
    public const string CancelOrder = """
        mutation CancelOrder($data: CancelOrderInput!) {
          order_cancel(data: $data) { request_id complexity order { id fulfillment_status } }
        }
        """;

    /// <summary>Adds stock of a SKU at a warehouse.</summary>
    public const string AddInventory = """
        mutation AddInventory($data: UpdateInventoryInput!) {
          inventory_add(data: $data) { request_id complexity warehouse_product { sku on_hand } }
        }
        """;

    /// <summary>Removes stock of a SKU at a warehouse.</summary>
    public const string RemoveInventory = """
        mutation RemoveInventory($data: UpdateInventoryInput!) {
          inventory_remove(data: $data) { request_id complexity warehouse_product { sku on_hand } }
        }
        """;

    /// <summary>The recent stock changes of a SKU at a warehouse (their reasons carry the app's keys).</summary>
    public const string InventoryChanges = """
        query InventoryChanges($sku: String!, $warehouseId: String!, $from: ISODateTime, $after: String) {
          inventory_changes(sku: $sku, warehouse_id: $warehouseId, date_from: $from) {
            request_id complexity
            data(first: 100, after: $after) {
              pageInfo { hasNextPage endCursor }
              edges { node { sku warehouse_id change_in_on_hand reason created_at } }
            }
          }
        }
        """;

    /// <summary>The webhooks of the app's shop.</summary>
    public const string Webhooks = """
        query Webhooks($shopName: String) {
          webhooks(shop_name: $shopName) {
            request_id complexity
            data(first: 100) { edges { node { id name url shop_name } } }
          }
        }
        """;

    /// <summary>Registers a webhook; ShipHero reveals its shared secret in this answer only.</summary>
    public const string CreateWebhook = """
        mutation CreateWebhook($data: CreateWebhookInput!) {
          webhook_create(data: $data) { request_id complexity webhook { id name url shop_name shared_signature_secret } }
        }
        """;

    /// <summary>Removes a webhook (one whose secret could not be stored).</summary>
    public const string DeleteWebhook = """
        mutation DeleteWebhook($data: DeleteWebhookInput!) {
          webhook_delete(data: $data) { request_id complexity }
        }
        """;

    /// <summary>Shipments made since a time, with their order, labels and lots (the reconciliation).</summary>
    public const string ShipmentsSince = """
        query ShipmentsSince($from: ISODateTime, $after: String) {
          shipments(date_from: $from) {
            request_id complexity
            data(first: 25, after: $after) {
              pageInfo { hasNextPage endCursor }
              edges {
                node {
                  id legacy_id created_date
                  order { partner_order_id order_number shop_name }
                  shipping_labels { tracking_number carrier shipping_method }
                  line_items(first: 50) { edges { node { quantity line_item { sku partner_line_item_id } lots { lot_name quantity } } } }
                }
              }
            }
          }
        }
        """;
}
