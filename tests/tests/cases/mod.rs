mod accounts;
mod admin;
mod amounts;
mod conservation;
mod oracle;
mod smoke;
