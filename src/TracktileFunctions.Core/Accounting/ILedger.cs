using TracktileFunctions.Sync;

namespace TracktileFunctions.Accounting;

/// <summary>
/// What an accounting ledger does for us, whatever the ledger: one implementation per system (<c>QuickBooks/</c>). The
/// rules that hold for every ledger (one invoice per order, ever; voided when the order is cancelled; stale events
/// dropped) live in <see cref="InvoiceConsumer"/>, written once against this interface. Customers are synced both ways
/// through <see cref="CustomerSync"/> (<see cref="ICustomerBook"/>).
/// </summary>
public interface ILedger : ICustomerBook
{
    /// <summary>Finds the invoice made for <see cref="LedgerInvoice.OrderId"/>, or creates it. Never makes a second one for an order.</summary>
    Task<LedgerInvoiceResult> CreateInvoiceAsync(LedgerInvoice invoice, CancellationToken cancellationToken);

    /// <summary>Voids the invoice <paramref name="invoiceId"/> made for <paramref name="orderId"/> (done once; a void of a voided or deleted invoice changes nothing).</summary>
    /// <returns>A short outcome for the ledger.</returns>
    Task<string> VoidInvoiceAsync(string invoiceId, string orderId, CancellationToken cancellationToken);
}

/// <summary>An invoice for one Tracktile order.</summary>
/// <param name="OrderId">The Tracktile order (what makes the invoice unique).</param>
/// <param name="Number">The invoice number (the order's short id, with the configured prefix).</param>
/// <param name="CustomerId">The Tracktile customer.</param>
/// <param name="Date">The invoice date.</param>
/// <param name="DueDate">The due date, or null for the ledger's terms.</param>
/// <param name="Currency">The order's currency, when it says one.</param>
/// <param name="Lines">One per order line.</param>
/// <param name="LotCodes">The lots shipped, for traceability (carried in the invoice's note).</param>
public sealed record LedgerInvoice(
    string OrderId, string Number, string CustomerId, DateOnly Date, DateOnly? DueDate, string? Currency, IReadOnlyList<LedgerInvoiceLine> Lines,
    IReadOnlyList<string> LotCodes);

/// <summary>One invoice line: a Tracktile product, how many, at what unit price.</summary>
public sealed record LedgerInvoiceLine(string ProductId, decimal Quantity, decimal UnitPrice);

/// <summary>The ledger's invoice for an order.</summary>
/// <param name="InvoiceId">The ledger's id.</param>
/// <param name="Existed">True when the invoice was already there (found, not created).</param>
/// <param name="Detail">A short description for the outcome (number, total).</param>
public sealed record LedgerInvoiceResult(string InvoiceId, bool Existed, string Detail);
