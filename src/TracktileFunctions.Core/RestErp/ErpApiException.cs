using TracktileFunctions.Http;

namespace TracktileFunctions.RestErp;

/// <summary>The ERP refused a call or did not answer.</summary>
public sealed class ErpApiException(int status, string? errorCode, string? requestId, string detail, Exception? inner = null)
    : ExternalApiException("ERP", status, errorCode, requestId, detail, inner);
