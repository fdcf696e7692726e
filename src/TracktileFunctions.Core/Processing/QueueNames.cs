namespace TracktileFunctions.Processing;

/// <summary>
/// The queues the app's consumers listen on. The ingress routing table sends events to them; a queue trigger's name
/// is fixed at build time, so a route to a new consumer needs a new queue function.
/// </summary>
public static class QueueNames
{
    /// <summary><c>order.status.changed</c> for the ERP.</summary>
    public const string TracktileOrders = "tracktile-orders";

    /// <summary><c>shipment.status.changed</c> for the ERP.</summary>
    public const string TracktileShipments = "tracktile-shipments";

    /// <summary><c>inventory.*</c> for the ERP.</summary>
    public const string TracktileInventory = "tracktile-inventory";

    /// <summary>Every kind no route names: kept and visible.</summary>
    public const string TracktileUnrouted = "tracktile-unrouted";

    /// <summary>Changed products handed off by the product batch, one message per product version.</summary>
    public const string TracktileProducts = "tracktile-products";

    /// <summary>Manual product sync requests (the HTTP endpoint answers 202 and the run happens from here).</summary>
    public const string ProductSyncRequests = "product-sync-requests";

    /// <summary>The ERP's <c>customer.updated</c> events, for Tracktile.</summary>
    public const string ErpCustomers = "erp-customers";

    /// <summary>Tracktile's customer events (kind undocumented: routed only when configured), for the ERP.</summary>
    public const string TracktileCustomers = "tracktile-customers";

    /// <summary>Business Central's change notifications (and the reconciliation's finds), for Tracktile.</summary>
    public const string BusinessCentralNotifications = "businesscentral-notifications";

    /// <summary>Shopify's order webhooks (and the reconciliation's finds), for Tracktile.</summary>
    public const string ShopifyOrders = "shopify-orders";

    /// <summary><c>inventory.*</c> for Shopify's stock (routed only when Shopify is on).</summary>
    public const string ShopifyInventory = "shopify-inventory";

    /// <summary>The product batch's changed products, for the SKU index web stores are matched by (only when a store is on).</summary>
    public const string StoreProducts = "store-products";

    /// <summary><c>shipment.*</c> for the warehouse (routed only when ShipHero is on).</summary>
    public const string ShipHeroShipments = "shiphero-shipments";

    /// <summary><c>inventory.*</c> for the warehouse's stock (routed only when ShipHero is on).</summary>
    public const string ShipHeroInventory = "shiphero-inventory";

    /// <summary>ShipHero's webhooks (and the reconciliation's finds), for Tracktile.</summary>
    public const string ShipHeroEvents = "shiphero-events";

    /// <summary>Tracktile's order (and shipment) status changes, for the ledger's invoices (routed only when QuickBooks is on).</summary>
    public const string QuickBooksInvoices = "quickbooks-invoices";

    /// <summary>Tracktile's customer changes, for the ledger's customers (routed only when QuickBooks is on).</summary>
    public const string QuickBooksCustomers = "quickbooks-customers";

    /// <summary>QuickBooks' webhooks (and the change-data-capture reconciliation's finds), for Tracktile.</summary>
    public const string QuickBooksEvents = "quickbooks-events";

    /// <summary>The product batch's pages, for the ledger's items (only when QuickBooks is on and syncs products).</summary>
    public const string QuickBooksProducts = "quickbooks-products";

    /// <summary>Every queue above (a queue function listens on each, but the unrouted one, which is kept for a person).</summary>
    public static IReadOnlyList<string> All { get; } =
        [TracktileOrders, TracktileShipments, TracktileInventory, TracktileUnrouted, TracktileProducts, ProductSyncRequests, ErpCustomers, TracktileCustomers, BusinessCentralNotifications,
         ShopifyOrders, ShopifyInventory, StoreProducts, ShipHeroShipments, ShipHeroInventory, ShipHeroEvents,
         QuickBooksInvoices, QuickBooksCustomers, QuickBooksEvents, QuickBooksProducts];
}
