namespace TracktileFunctions.Erp;

/// <summary>How Tracktile order events become ERP sales orders. Bound from <c>Erp:Orders</c>.</summary>
public sealed class ErpOrderOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Erp:Orders";

    /// <summary>Tracktile statuses that create the sales order when the ERP has none yet.</summary>
    public static readonly IReadOnlyList<string> DefaultCreateOnStatuses = ["pending", "ready", "inProgress", "completed"];

    /// <summary>
    /// Tracktile statuses whose event creates the sales order if it does not exist yet (default: every status but
    /// <c>cancelled</c>: a cancelled order that the ERP never saw is not created just to be cancelled).
    /// </summary>
    public List<string> CreateOnStatuses { get; set; } = [];

    /// <summary>Whether <c>cancelled</c> is sent to the ERP (as a status update) for an order it has.</summary>
    public bool CancelInErp { get; set; } = true;

    /// <summary>Tracktile status -> ERP status; a status not listed is sent unchanged.</summary>
    public Dictionary<string, string> StatusMap { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>How Tracktile shipment events reach the ERP. Bound from <c>Erp:Shipments</c>.</summary>
public sealed class ErpShipmentOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Erp:Shipments";

    /// <summary>Shipment statuses that confirm the shipment in the ERP; other statuses are acknowledged and ignored.</summary>
    public List<string> ConfirmOnStatuses { get; set; } = [];

    /// <summary>The default for <see cref="ConfirmOnStatuses"/>.</summary>
    public static readonly IReadOnlyList<string> DefaultConfirmOnStatuses = ["in_transit"];
}

/// <summary>Customers changed in Tracktile, pushed to the ERP. Bound from <c>Erp:Customers</c>.</summary>
public sealed class ErpCustomerOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Erp:Customers";

    /// <summary>
    /// The property of Tracktile's customer event that holds the customer id. Tracktile does not document customer
    /// events (nor whether they exist); route them with a <c>Tracktile:Webhook:Routes</c> entry to
    /// <c>tracktile-customers</c> once you know the kind.
    /// </summary>
    public string CustomerIdProperty { get; set; } = "customerId";
}
