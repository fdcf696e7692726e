namespace TracktileFunctions.Webhooks;

/// <summary>Why a webhook signature was refused. The reasons are fixed and never carry secrets or signatures.</summary>
public enum WebhookSignatureFailure
{
    /// <summary>The signature is valid and within the tolerance.</summary>
    None = 0,

    /// <summary>The signature header is absent or empty.</summary>
    MissingHeader,

    /// <summary>The header is not a list of <c>key=value</c> pairs with one integer <c>t</c>.</summary>
    MalformedHeader,

    /// <summary>No <c>v1</c> signature matches the body with any configured secret.</summary>
    NoMatchingSignature,

    /// <summary>The signed timestamp is older than the tolerance.</summary>
    TimestampTooOld,

    /// <summary>The signed timestamp is further in the future than the tolerance.</summary>
    TimestampTooNew,
}

/// <summary>Thrown by <see cref="WebhookSignatureVerifier.Verify"/> when a signature is refused.</summary>
public sealed class WebhookSignatureException(WebhookSignatureFailure failure)
    : Exception(WebhookSignatureFailures.Describe(failure))
{
    /// <summary>Why the signature was refused.</summary>
    public WebhookSignatureFailure Failure { get; } = failure;
}

/// <summary>Short, fixed descriptions of each failure, safe to return to a caller.</summary>
public static class WebhookSignatureFailures
{
    /// <summary>A short fixed text for <paramref name="failure"/>.</summary>
    public static string Describe(WebhookSignatureFailure failure) => failure switch
    {
        WebhookSignatureFailure.None => "signature valid",
        WebhookSignatureFailure.MissingHeader => "missing signature header",
        WebhookSignatureFailure.MalformedHeader => "malformed signature header",
        WebhookSignatureFailure.NoMatchingSignature => "no matching signature",
        WebhookSignatureFailure.TimestampTooOld => "signature timestamp too old",
        WebhookSignatureFailure.TimestampTooNew => "signature timestamp too new",
        _ => "invalid signature",
    };
}
