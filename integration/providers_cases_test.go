package integration

// moreProviderCases are the payment providers' cases; see providerCases.
var moreProviderCases = []providerCase{}

var moreEnvelopeEnv = []string{}
