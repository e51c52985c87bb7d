# R mice peer for synthdiff's impute-peers benchmark (bench/impute-peers.ts).
# Usage: Rscript mice.R <masked.csv> <out.csv> <seed> [categorical column names...]
#
# mice 3.15 defaults except m = 5: predictive mean matching for numeric columns, logistic regression for
# two-level factors, polytomous regression for more levels (mice's defaultMethod), maxit = 5.
# The five completed tables are pooled into one point estimate per cell the way synthdiff pools its own
# draws (pipeline/intervals.ts): the mean of the five values for numeric cells, the most frequent label
# for factors (ties: first level). Observed cells are written back unchanged.
suppressPackageStartupMessages(library(mice))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 3) stop("usage: Rscript mice.R <masked.csv> <out.csv> <seed> [categorical...]")
inp <- args[1]; out <- args[2]; seed <- as.integer(args[3]); cats <- args[-(1:3)]

# Only the empty field is missing (as synthdiff reads it); labels such as "NA" or "None" stay labels.
df <- read.csv(inp, na.strings = "", check.names = FALSE, stringsAsFactors = FALSE, colClasses = "character")
original <- names(df)
# Plain names so mice's formula machinery never meets a non-syntactic column name.
names(df) <- paste0("v", seq_along(df))
is_cat <- original %in% cats
for (j in seq_along(df)) df[[j]] <- if (is_cat[j]) factor(df[[j]]) else as.numeric(df[[j]])

imp <- mice(df, m = 5, seed = seed, printFlag = FALSE)
if (!is.null(imp$loggedEvents)) message("mice logged events: ", nrow(imp$loggedEvents))
done <- lapply(1:5, function(i) complete(imp, i))

res <- df
for (j in seq_along(df)) {
  miss <- which(is.na(df[[j]]))
  if (length(miss) == 0) next
  if (is_cat[j]) {
    draws <- sapply(done, function(d) as.character(d[[j]][miss]))
    draws <- matrix(draws, nrow = length(miss))
    lev <- levels(df[[j]])
    mode <- apply(draws, 1, function(r) {
      r <- r[!is.na(r)]
      if (length(r) == 0) return(NA_character_)
      t <- table(factor(r, levels = lev))
      lev[which.max(t)]
    })
    v <- as.character(res[[j]]); v[miss] <- mode; res[[j]] <- v
  } else {
    draws <- matrix(sapply(done, function(d) d[[j]][miss]), nrow = length(miss))
    res[[j]][miss] <- rowMeans(draws)  # NA stays NA where mice left a column unimputed
  }
}
names(res) <- original
write.csv(res, out, row.names = FALSE, na = "")
