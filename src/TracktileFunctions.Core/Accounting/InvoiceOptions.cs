using System.ComponentModel.DataAnnotations;

namespace TracktileFunctions.Accounting;

/// <summary>What invoices a Tracktile order, and when. Bound from <c>{System}:Invoices</c> (e.g. <c>QuickBooks:Invoices</c>).</summary>
public sealed class InvoiceOptions
{
    /// <summary>What makes an order invoiced: its status (<see cref="OrderStatus"/>), or a shipment's (<see cref="ShipmentStatus"/>).</summary>
    public InvoiceTrigger Trigger { get; set; } = InvoiceTrigger.OrderStatus;

    /// <summary>The order status that invoices it (Tracktile's camelCase values).</summary>
    [Required]
    public string OrderStatus { get; set; } = "completed";

    /// <summary>The shipment status that invoices its order, when <see cref="Trigger"/> is <c>ShipmentStatus</c> (snake_case).</summary>
    [Required]
    public string ShipmentStatus { get; set; } = "delivered";

    /// <summary>The order status that voids its invoice.</summary>
    [Required]
    public string CancelledStatus { get; set; } = "cancelled";

    /// <summary>Whether an invoiced order that is cancelled has its invoice voided.</summary>
    public bool VoidOnCancel { get; set; } = true;

    /// <summary>Days from the invoice date to its due date; unset: the ledger's terms for the customer decide.</summary>
    [Range(0, 3_650)]
    public int? DueDays { get; set; }

    /// <summary>Put before the order's short id to make the invoice number (when the company's own numbers could clash).</summary>
    public string DocNumberPrefix { get; set; } = "";

    /// <summary>The property of an order's or a shipment's line that lists its lot codes (undocumented; a setting).</summary>
    [Required]
    public string LineLotCodesProperty { get; set; } = "lotCodes";

    /// <summary>Reads empty settings as defaults.</summary>
    public void Normalize()
    {
        DocNumberPrefix = DocNumberPrefix?.Trim() ?? "";
    }

    /// <summary>Checks the settings that need each other.</summary>
    public IEnumerable<ValidationResult> Validate()
    {
        if (string.Equals(OrderStatus, CancelledStatus, StringComparison.Ordinal))
        {
            yield return new ValidationResult("Invoices:OrderStatus and Invoices:CancelledStatus must differ.", [nameof(OrderStatus)]);
        }
    }
}

/// <summary>What invoices an order.</summary>
public enum InvoiceTrigger
{
    /// <summary>The order reaching <see cref="InvoiceOptions.OrderStatus"/> (<c>order.status.changed</c>).</summary>
    OrderStatus,

    /// <summary>One of its shipments reaching <see cref="InvoiceOptions.ShipmentStatus"/> (<c>shipment.status.changed</c>).</summary>
    ShipmentStatus,
}
