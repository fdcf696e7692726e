using TracktileFunctions.Http;

namespace TracktileFunctions.ShipHero;

/// <summary>ShipHero refused a call (an HTTP error, or an <c>errors</c> entry with its code) or did not answer.</summary>
public sealed class ShipHeroApiException(int status, string? errorCode, string? requestId, string detail, Exception? inner = null, bool? transient = null)
    : ExternalApiException("ShipHero", status, errorCode, requestId, detail, inner)
{
    /// <summary>Throttling (code 30), 5xx, no answer and a refused token are retried; other refusals are permanent.</summary>
    public override bool IsTransient => transient ?? base.IsTransient;
}
