using TracktileFunctions.Http;

namespace TracktileFunctions.Shopify;

/// <summary>Shopify refused a call (an HTTP error, top-level GraphQL <c>errors</c>, or a mutation's <c>userErrors</c>) or did not answer.</summary>
public sealed class ShopifyApiException(int status, string? errorCode, string? requestId, string detail, Exception? inner = null, bool? transient = null)
    : ExternalApiException("Shopify", status, errorCode, requestId, detail, inner)
{
    /// <summary>Throttled, 5xx, no answer, an expired token: retried. A query Shopify finds invalid, or a refused mutation, is permanent unless its code says otherwise.</summary>
    public override bool IsTransient => transient ?? base.IsTransient;
}
