"""Groups, shared expenses, balances and settling up."""
