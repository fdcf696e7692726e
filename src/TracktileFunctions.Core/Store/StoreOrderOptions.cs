using System.ComponentModel.DataAnnotations;

namespace TracktileFunctions.Store;

/// <summary>How a store's orders become Tracktile orders (bound under each store's <c>Orders</c> section).</summary>
public class StoreOrderOptions
{
    /// <summary>Put before the order's name (<c>#1001</c> -> <c>{prefix}1001</c>) to make Tracktile's <c>shortId</c>.</summary>
    public string ShortIdPrefix { get; set; } = "SHOP-";

    /// <summary>Customer email -> Tracktile customer id. List form: <c>Customers:0:Email</c>, <c>Customers:0:CustomerId</c>.</summary>
    public List<StoreCustomerMapping> Customers { get; set; } = [];

    /// <summary>The Tracktile customer an order goes to when its email is not mapped; empty: such an order fails, naming the email.</summary>
    public string? DefaultCustomerId { get; set; }

    /// <summary>Store variant id -> Tracktile product id, for lines without a SKU. List form: <c>Variants:0:VariantId</c>, <c>Variants:0:ProductId</c>.</summary>
    public List<StoreVariantMapping> Variants { get; set; } = [];

    /// <summary>Days from the order's date to its <c>dueDate</c> in Tracktile.</summary>
    [Range(0, 365)]
    public int DueDays { get; set; }

    /// <summary>Whether a cancelled store order cancels its Tracktile order.</summary>
    public bool CancelInTracktile { get; set; } = true;

    /// <summary>The Tracktile status a cancellation sets (Tracktile's order statuses are camelCase; <c>cancelled</c>).</summary>
    [Required]
    public string CancelledStatus { get; set; } = "cancelled";

    /// <summary>Reads empty app settings as unset ones.</summary>
    public void Normalize()
    {
        DefaultCustomerId = string.IsNullOrWhiteSpace(DefaultCustomerId) ? null : DefaultCustomerId.Trim();
        ShortIdPrefix ??= "";
        Customers = [.. Customers.Where(c => !string.IsNullOrWhiteSpace(c.Email) && !string.IsNullOrWhiteSpace(c.CustomerId))];
        Variants = [.. Variants.Where(v => !string.IsNullOrWhiteSpace(v.VariantId) && !string.IsNullOrWhiteSpace(v.ProductId))];
    }

    /// <summary>The Tracktile customer for <paramref name="email"/>: its mapping, else the default, else null.</summary>
    public string? CustomerFor(string? email)
        => (email is null ? null : Customers.FirstOrDefault(c => string.Equals(c.Email.Trim(), email.Trim(), StringComparison.OrdinalIgnoreCase))?.CustomerId)
            ?? DefaultCustomerId;
}

/// <summary>One customer email mapped to a Tracktile customer.</summary>
public sealed class StoreCustomerMapping
{
    /// <summary>The email on store orders.</summary>
    public string Email { get; set; } = "";

    /// <summary>The Tracktile customer id.</summary>
    public string CustomerId { get; set; } = "";
}

/// <summary>One store variant mapped to a Tracktile product.</summary>
public sealed class StoreVariantMapping
{
    /// <summary>The store's variant id (Shopify: the numeric <c>variant_id</c>).</summary>
    public string VariantId { get; set; } = "";

    /// <summary>The Tracktile product id.</summary>
    public string ProductId { get; set; } = "";
}
